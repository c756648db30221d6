# Two commands: `make demo` runs the exchange with demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO := EXCHANGE_MODE=demo $(BIN)/flask --app exchange.app
CATALOGS := $(wildcard exchange/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
# anvil, the JSON-RPC node the chain tests run: its binary ships inside the npm package.
ANVIL_VERSION := 1.7.1
ANVIL_STAMP := .tools/.anvil-$(ANVIL_VERSION)

.PHONY: setup demo test lint messages clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		(echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))."; exit 1)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

# Only the tests need anvil, and only where npm is: the demo runs on the embedded chain.
# --ignore-scripts: the postinstall would only fetch a binary the platform package already holds.
$(ANVIL_STAMP):
	@if command -v npm >/dev/null 2>&1; then \
		npm install --prefix .tools --ignore-scripts --no-audit --no-fund --loglevel=error \
			@foundry-rs/anvil@$(ANVIL_VERSION) && rm -f .tools/.anvil-* && touch $@; \
	else \
		echo "npm not found: the anvil chain tests will be skipped (CI=true fails them)."; \
	fi

setup: $(STAMP) $(COMPILED)

demo: setup
	$(DEMO) db upgrade
	$(DEMO) ledger init
	$(DEMO) demo seed
	$(DEMO) demo serve --host $(HOST) --port $(PORT)

test: setup $(ANVIL_STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Re-extract the messages after changing user-facing text, then translate the zh_CN catalog.
# Pricing speaks English: its refusals and explanations are extracted by argument position.
messages: setup
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l -k lazy_gettext \
		-k ValuationError:2 -k Factor:3 -k explain:3 --no-location --sort-output \
		--project "Ganshu Data Exchange" -o exchange/translations/messages.pot .
	$(BIN)/pybabel update -i exchange/translations/messages.pot -d exchange/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .tools .pytest_cache .ruff_cache
	find exchange/translations -name '*.mo' -delete
