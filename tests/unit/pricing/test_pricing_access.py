"""Access and quota: the terms that carry them, the table's [access] and [[quota]], unit prices."""

from __future__ import annotations

import copy
import tomllib
from decimal import Decimal
from importlib import resources

import pytest

from exchange.catalog import domain as catalog
from pricing import (
    Access,
    CostInputs,
    LicenceTerms,
    QuotaStep,
    ValuationError,
    cost_approach,
    licence_adjustment,
    licence_table,
    price_band,
    unit_price,
)
from pricing.explain import jsonable

ZERO = Decimal(0)


@pytest.fixture(scope="module")
def table_data() -> dict[str, object]:
    text = resources.files("pricing").joinpath("licence_terms.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@pytest.fixture(scope="module")
def table(table_data):
    return licence_table(table_data)


def edit(data: dict, path: str, value: object) -> dict:
    """A deep copy of a parsed table with one value replaced (or deleted, for None)."""
    changed = copy.deepcopy(data)
    *parents, last = path.split(".")
    target = changed
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    elif value is None:
        del target[last]
    else:
        target[last] = value
    return changed


def test_pricing_access_matches_the_catalog():
    assert [m.value for m in Access] == [m.value for m in catalog.Access]
    assert all(Access(member) == member for member in catalog.Access)


def test_terms_default_to_a_copy_without_quota():
    terms = LicenceTerms()
    assert terms.access is Access.COPY
    assert terms.quota is None


def test_access_given_as_the_catalogs_member_is_pricings_own():
    terms = LicenceTerms(access=catalog.Access.API, quota=10_000)
    assert type(terms.access) is Access


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"quota": 100}, "quota: a copy of the data has no quota"),
        ({"access": "api"}, "quota: api access needs a quota of calls or queries"),
        ({"access": "computation"}, "quota: computation access needs a quota"),
        ({"access": "api", "quota": 0}, "quota: quota must be between 1 and"),
        ({"access": "api", "quota": "100"}, "quota: quota must be a whole number"),
        ({"access": "api", "quota": True}, "quota: quota must be a whole number"),
        ({"access": "api", "quota": 2.5}, "quota: quota must be a whole number"),
        ({"access": "stream", "quota": 1}, "access: access must be one of copy, api, computation"),
    ],
)
def test_bad_access_or_quota_is_refused_by_name(terms, message):
    with pytest.raises(ValuationError, match=message) as refused:
        LicenceTerms(**terms)
    assert refused.value.field == message.split(":")[0]


def test_the_reference_stays_a_copy_priced_at_one(table):
    assert table.reference == LicenceTerms()
    assert licence_adjustment(LicenceTerms(), table).multiplier == 1
    assert table.access == {
        Access.COPY: 1,
        Access.API: Decimal("0.60"),
        Access.COMPUTATION: Decimal("0.40"),
    }


def test_a_copys_explanation_names_neither_access_nor_quota(table):
    names = [f.name for f in licence_adjustment(LicenceTerms(seats=2), table).explanation]
    assert names == [
        "exclusivity",
        "scope",
        "territory",
        "term",
        "seats",
        "derivative",
        "redistribution",
        "licence",
    ]


def test_an_api_licence_names_its_access_and_quota_worked_example(table):
    # exclusive 3.00 × api 0.60 × 100,000 calls 3.00 = 5.40
    terms = LicenceTerms(kind="exclusive", access="api", quota=100_000)
    adjustment = licence_adjustment(terms, table)
    assert adjustment.multiplier == Decimal("5.40")
    factors = {f.name: f for f in adjustment.explanation}
    assert factors["access"].value == Decimal("0.60")
    assert factors["access"].source == "api: licence table 2026.2"
    assert factors["quota"].value == Decimal("3.00")
    assert factors["quota"].source == "a quota of 100000 API calls: licence table 2026.2"
    assert list(factors)[-3:] == ["access", "quota", "licence"]


def test_a_computation_licence_at_the_default_quota_costs_its_access_multiplier(table):
    terms = LicenceTerms(access="computation", quota=catalog.DEFAULT_QUOTAS["computation"])
    adjustment = licence_adjustment(terms, table)
    assert adjustment.multiplier == Decimal("0.40")
    quota = next(f for f in adjustment.explanation if f.name == "quota")
    assert quota.source == "a quota of 100 queries: licence table 2026.2"


@pytest.mark.parametrize(
    ("access", "quota", "multiplier"),
    [
        # At or below the first point: the smallest package.
        ("api", 1, "0.30"),
        ("api", 1_000, "0.30"),
        # On the line between points: 0.30 + 0.70 × 4,500 / 9,000 = 0.65.
        ("api", 5_500, "0.65"),
        ("api", 10_000, "1.00"),
        # 1.00 + 2.00 × 45,000 / 90,000 = 2.00.
        ("api", 55_000, "2.00"),
        ("api", 10_000_000, "20.00"),
        ("computation", 1, "0.25"),
        ("computation", 100, "1.00"),
        # 1.00 + 3.00 × 450 / 900 = 2.50; 1.00 + 3.00 × 1 / 900 = 1.003333 (to six places).
        ("computation", 550, "2.50"),
        ("computation", 101, "1.003333"),
        ("computation", 10_000_000, "100.00"),
    ],
)
def test_quota_is_priced_on_the_line_between_its_points(table, access, quota, multiplier):
    adjustment = licence_adjustment(LicenceTerms(access=access, quota=quota), table)
    assert next(f.value for f in adjustment.explanation if f.name == "quota") == Decimal(
        multiplier
    )


@pytest.mark.parametrize("access", ["api", "computation"])
def test_more_quota_never_costs_less_nor_more_per_unit(table, access):
    quotas = [1, 9, 10, 11, 99, 100, 101, 999, 1_000, 5_000, 10_000, 77_777, 10**6, 10**7]
    prices = [
        licence_adjustment(LicenceTerms(access=access, quota=q), table).multiplier for q in quotas
    ]
    assert prices == sorted(prices)
    per_unit = [price / q for price, q in zip(prices, quotas, strict=True)]
    assert per_unit == sorted(per_unit, reverse=True)


def test_a_quota_beyond_the_last_point_is_refused(table):
    with pytest.raises(ValuationError, match="up to 10000000 for api access") as refused:
        licence_adjustment(LicenceTerms(access="api", quota=10_000_001), table)
    assert refused.value.field == "quota"


def test_the_quota_points_are_read_in_order(table):
    assert table.quota[Access.COMPUTATION][:2] == (
        QuotaStep(10, Decimal("0.25")),
        QuotaStep(100, Decimal("1.00")),
    )


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("access.copy", "1.10", "access"),
        ("access.copy", None, "access"),
        ("access.api", "0", "access.api"),
        ("access.api", "-1", "access.api"),
        ("access.stream", "1", "access"),
        ("access.computation", None, "quota"),
        ("quota.computation", None, "quota"),
        ("quota.copy", [{"at": 1, "multiplier": "1"}], "quota"),
        ("quota.api", [], "quota.api"),
        ("quota.api.0.at", 0, "quota.api.at"),
        ("quota.api.0.multiplier", "0", "quota.api.multiplier"),
        ("quota.api.1.at", 1000, "quota.api"),
        ("quota.api.1.multiplier", "0.20", "quota.api"),
        # 100,000 calls at 20.00 would cost more per call than 10,000 at 1.00.
        ("quota.api.2.multiplier", "20.00", "quota.api"),
        ("quota", None, "quota"),
        ("access", None, "access"),
    ],
)
def test_an_unsound_access_table_is_refused(table_data, path, value, field):
    with pytest.raises(ValuationError) as refused:
        licence_table(edit(table_data, path, value))
    assert refused.value.field == field


def test_a_table_from_before_access_prices_copies_only(table_data):
    older = edit(edit(table_data, "access", None), "quota", None)
    table = licence_table(older)
    assert licence_adjustment(LicenceTerms(seats=2), table).multiplier == Decimal("1.30")
    with pytest.raises(ValuationError, match="does not price api access") as refused:
        licence_adjustment(LicenceTerms(access="api", quota=10), table)
    assert refused.value.field == "access"


@pytest.mark.parametrize("older", [False, True])
def test_a_table_stored_with_a_valuation_reads_back_as_the_same(table_data, older):
    # The exchange stores jsonable(table) and rebuilds it with the rights moved back.
    data = edit(edit(table_data, "access", None), "quota", None) if older else table_data
    table = licence_table(data)
    stored = jsonable(table)
    stored["rights"] = {name: stored.pop(name) for name in ("derivative", "redistribution")}
    assert licence_table(stored) == table


@pytest.mark.parametrize(
    ("price", "terms", "expected"),
    [
        ("6000", LicenceTerms(access="api", quota=10_000), "0.60"),
        ("1234.56", LicenceTerms(access="computation", quota=100), "12.35"),
        ("1.25", LicenceTerms(access="computation", quota=10), "0.13"),
        # Under a fen: two significant figures, never ¥0.00.
        ("30", LicenceTerms(access="api", quota=10_000), "0.0030"),
        ("1", LicenceTerms(access="api", quota=3_000_000), "3.3E-7"),
        ("0", LicenceTerms(access="api", quota=10_000), "0.00"),
    ],
)
def test_unit_price_per_call_or_query(price, terms, expected):
    result = unit_price(Decimal(price), terms)
    assert result == Decimal(expected)
    assert str(result) == expected


def test_a_copy_has_no_unit_price():
    assert unit_price(Decimal(100), LicenceTerms()) is None


def test_unit_price_refuses_money_that_is_not_money():
    with pytest.raises(ValuationError) as refused:
        unit_price(Decimal(-1), LicenceTerms(access="api", quota=10))
    assert refused.value.field == "price"


def test_the_band_of_a_computation_licence_and_its_price_per_query(table):
    cost = cost_approach(
        CostInputs(
            planning=ZERO,
            collection=Decimal(10_000),
            storage_processing=ZERO,
            labour=ZERO,
            indirect=ZERO,
            opportunity=ZERO,
            taxes=ZERO,
            return_rate=ZERO,
            quality=Decimal(1),
            total_life_months=12,
            remaining_life_months=12,
        )
    )
    terms = LicenceTerms(access="computation", quota=1_000)
    # 10,000 ± 1,000 under a copy; × computation 0.40 × 1,000 queries 4.00 = × 1.60.
    band = price_band(cost=cost, licence=licence_adjustment(terms, table))
    assert (band.floor, band.reference, band.ceiling) == (14_400, 16_000, 17_600)
    assert unit_price(band.reference, terms) == Decimal("16.00")
