"""URL builders compiled once per process build exactly the URLs werkzeug's own would."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, url_for
from werkzeug.routing import Map, Rule

from exchange.app import create_app
from exchange.http.url_rules import CompiledRule

# A value of each kind of path argument the exchange's routes take.
SAMPLES: dict[str, Any] = {
    "IntegerConverter": 7,
    "BoundedIntegerConverter": 7,
    "UnicodeConverter": "铜-prices 2026",
    "PathConverter": "css/site.css",
}


def exchange_app(tmp_path) -> Flask:  # noqa: ANN001
    return create_app({"MODE": "test", "INSTANCE_PATH": str(tmp_path / "instance")})


def plain_rule(rule: Rule) -> Rule:
    """The same rule as werkzeug's own class compiles it, in a map of its own."""
    plain = Rule(
        rule.rule,
        endpoint=rule.endpoint,
        defaults=rule.defaults,
        methods=rule.methods,
        strict_slashes=rule.strict_slashes,
    )
    Map([plain], converters=rule.map.converters)
    return plain


def arguments(rule: Rule) -> dict[str, Any]:
    return {name: SAMPLES[type(c).__name__] for name, c in rule._converters.items()}


def test_every_route_builds_the_urls_werkzeugs_own_rule_builds(tmp_path):
    rules = list(exchange_app(tmp_path).url_map.iter_rules())
    assert len(rules) > 150
    for rule in rules:
        plain, values = plain_rule(rule), arguments(rule)
        for extra in ({}, {"page": 2, "q": "稀土 & more"}):
            assert rule.build({**values, **extra}) == plain.build({**values, **extra}), rule
            assert rule.build({**values, **extra}, append_unknown=False) == plain.build(
                {**values, **extra}, append_unknown=False
            ), rule


def test_a_later_app_reuses_the_builders_an_earlier_one_compiled(tmp_path):
    first = {r.endpoint: r for r in exchange_app(tmp_path / "a").url_map.iter_rules()}
    later = {r.endpoint: r for r in exchange_app(tmp_path / "b").url_map.iter_rules()}
    assert first.keys() == later.keys()
    # Flask adds the static route before create_app can choose the rule class.
    compiled = {e: r for e, r in later.items() if isinstance(r, CompiledRule)}
    assert set(later) - set(compiled) == {"static"}
    for endpoint, rule in compiled.items():
        assert rule is not first[endpoint]
        assert rule._build.__func__ is first[endpoint]._build.__func__
        assert rule._build_unknown.__func__ is first[endpoint]._build_unknown.__func__


@pytest.mark.parametrize("endpoint", ["catalog.product", "api_catalog.get_product"])
def test_url_for_builds_the_url_werkzeugs_own_rule_builds(tmp_path, endpoint):
    app = exchange_app(tmp_path)
    [rule] = app.url_map.iter_rules(endpoint)
    with app.test_request_context():
        built = url_for(endpoint, **arguments(rule), lang="en")
    assert built == plain_rule(rule).build({**arguments(rule), "lang": "en"})[1]
