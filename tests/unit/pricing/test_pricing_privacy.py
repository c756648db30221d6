"""The privacy budget: a computation licence's ε on the table's [[privacy]] points, the checks on
those points, the terms that may carry a budget, and the factor a valuation explains it by."""

from __future__ import annotations

import copy
import tomllib
from decimal import Decimal
from importlib import resources

import pytest

from pricing import LicenceTerms, ValuationError, licence_adjustment, licence_table
from pricing.explain import jsonable
from pricing.licence import licence_multiplier
from pricing.privacy import PrivacyStep

QUERIES = 100  # the computation quota priced at 1


@pytest.fixture(scope="module")
def table_data() -> dict[str, object]:
    text = resources.files("pricing").joinpath("licence_terms.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@pytest.fixture(scope="module")
def table(table_data):
    return licence_table(table_data)


def computation(budget: object = None) -> LicenceTerms:
    return LicenceTerms(access="computation", quota=QUERIES, privacy_budget=budget)


def with_points(data: dict, points: list[dict[str, str]]) -> dict:
    changed = copy.deepcopy(data)
    changed["privacy"] = points
    return changed


def test_the_default_table_has_its_documented_points(table):
    assert table.privacy == (
        PrivacyStep(Decimal("0.1"), Decimal("0.30")),
        PrivacyStep(Decimal("1"), Decimal("0.60")),
        PrivacyStep(Decimal("5"), Decimal("0.85")),
        PrivacyStep(Decimal("10"), Decimal("1.00")),
    )


@pytest.mark.parametrize(
    ("budget", "multiplier"),
    [
        (None, "0.40"),  # exact answers: the computation access alone
        ("0.05", "0.120000"),  # below the first point: the first point's 0.30
        ("0.1", "0.1200"),
        ("1", "0.2400"),
        ("3", "0.290000"),  # 0.40 × (0.60 + 0.25 × 2 / 4 = 0.725)
        ("10", "0.4000"),
        ("50", "0.4000"),  # beyond the last point: the last point's 1.00
        (2.5, "0.2775"),  # a float, as a stored query policy has it: 0.60 + 0.25 × 1.5 / 4
    ],
)
def test_a_budget_is_priced_on_the_points(table, budget, multiplier):
    assert licence_multiplier(computation(budget), table) == Decimal(multiplier)


def test_a_larger_budget_never_costs_less_nor_more_than_exact_answers(table):
    budgets = [Decimal(n) / 20 for n in range(1, 400)]
    prices = [licence_multiplier(computation(b), table) for b in budgets]
    assert prices == sorted(prices)
    assert max(prices) == licence_multiplier(computation(), table)


def test_a_table_without_privacy_points_prices_every_budget_at_one(table_data):
    older = copy.deepcopy(table_data)
    del older["privacy"]
    table = licence_table(older)
    assert licence_multiplier(computation("0.1"), table) == licence_multiplier(computation(), table)


def test_a_stored_table_keeps_its_points_and_an_older_ones_empty_list_means_none(table, table_data):
    stored = jsonable(table)
    stored["rights"] = {name: stored.pop(name) for name in ("derivative", "redistribution")}
    assert licence_table(stored).privacy == table.privacy
    older = copy.deepcopy(table_data)
    del older["privacy"]
    stored_older = jsonable(licence_table(older))
    stored_older["rights"] = {n: stored_older.pop(n) for n in ("derivative", "redistribution")}
    assert stored_older["privacy"] == []
    assert licence_table(stored_older).privacy == ()


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (
            [{"epsilon": "1", "multiplier": "0.5"}, {"epsilon": "1", "multiplier": "0.6"}],
            "privacy steps must rise one after another",
        ),
        (
            [{"epsilon": "1", "multiplier": "0.6"}, {"epsilon": "2", "multiplier": "0.5"}],
            "a larger privacy budget must never cost less than a smaller one",
        ),
        (
            [{"epsilon": "1", "multiplier": "1.2"}],
            "a privacy budget must never cost more than a licence without one (1)",
        ),
        ([{"epsilon": "0", "multiplier": "0.5"}], "a privacy budget must be above zero"),
        ([{"epsilon": "101", "multiplier": "0.5"}], None),
        ([{"multiplier": "0.5"}], None),
        ("none", "the licence table needs [[privacy]] steps"),
    ],
)
def test_privacy_points_that_break_a_rule_are_refused(table_data, points, message):
    with pytest.raises(ValuationError) as refused:
        licence_table(with_points(table_data, points))
    assert refused.value.field.startswith("privacy")
    if message is not None:
        assert refused.value.message % refused.value.params == message


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"access": "api", "quota": 10, "privacy_budget": "1"}, "only a computation licence"),
        ({"privacy_budget": "1"}, "only a computation licence"),
        ({"access": "computation", "quota": 10, "privacy_budget": "0"}, "above zero"),
        ({"access": "computation", "quota": 10, "privacy_budget": "100.5"}, None),
        ({"access": "computation", "quota": 10, "privacy_budget": "NaN"}, None),
    ],
)
def test_a_budget_where_none_can_be_is_refused(terms, message):
    with pytest.raises(ValuationError) as refused:
        LicenceTerms(**terms)
    assert refused.value.field == "privacy_budget"
    if message is not None:
        assert message in refused.value.message


def test_a_computation_licence_explains_its_budget_and_an_api_licence_has_none(table):
    factors = {f.name: f for f in licence_adjustment(computation("1"), table).explanation}
    assert factors["privacy"].value == Decimal("0.60")
    assert factors["privacy"].source == (
        "a privacy budget of ε 1 per contract: licence table 2026.2"
    )
    exact = {f.name: f for f in licence_adjustment(computation(), table).explanation}
    assert exact["privacy"].value == Decimal(1)
    assert exact["privacy"].source == "no privacy budget (exact answers): licence table 2026.2"
    api = licence_adjustment(LicenceTerms(access="api", quota=10_000), table)
    assert "privacy" not in {f.name for f in api.explanation}
