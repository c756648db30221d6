"""Licence terms: the default table, each term's multiplier, and tables refused as unsound."""

from __future__ import annotations

import copy
import json
import tomllib
from decimal import Decimal
from importlib import resources

import pytest

from pricing import (
    LicenceTerms,
    ValuationError,
    licence_adjustment,
    licence_table,
    read_licence_table,
)


@pytest.fixture(scope="module")
def table_data() -> dict[str, object]:
    text = resources.files("pricing").joinpath("licence_terms.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@pytest.fixture(scope="module")
def table(table_data):
    return licence_table(table_data)


def test_reference_terms_cost_the_reference_price(table):
    assert licence_adjustment(LicenceTerms(), table).multiplier == 1
    assert table.reference == LicenceTerms()


def test_every_term_moves_the_price_worked_example(table):
    # exclusive 3.00 × commercial 1.60 × mainland 1.40 × 24 months 1.70
    # × 5 seats (1 + 4 × 0.30 = 2.20) × derivative 1.30 × no redistribution 1
    # = 3 × 1.6 = 4.8; × 1.4 = 6.72; × 1.7 = 11.424; × 2.2 = 25.1328; × 1.3 = 32.67264
    terms = LicenceTerms(
        kind="exclusive",
        scope="commercial",
        territory="mainland",
        term_months=24,
        seats=5,
        derivative=True,
    )
    adjustment = licence_adjustment(terms, table)
    assert adjustment.multiplier == Decimal("32.67264")
    factors = {f.name: f.value for f in adjustment.explanation}
    assert factors == {
        "exclusivity": Decimal("3.00"),
        "scope": Decimal("1.60"),
        "territory": Decimal("1.40"),
        "term": Decimal("1.70"),
        "seats": Decimal("2.20"),
        "derivative": Decimal("1.30"),
        "redistribution": Decimal(1),
        "licence": Decimal("32.67264"),
    }


@pytest.mark.parametrize(
    ("months", "multiplier"), [(1, "0.40"), (3, "0.40"), (4, "0.65"), (13, "1.70"), (60, "3.40")]
)
def test_term_takes_the_first_step_that_covers_it(table, months, multiplier):
    terms = LicenceTerms(term_months=months)
    assert licence_adjustment(terms, table).multiplier == Decimal(multiplier)


@pytest.mark.parametrize(
    ("seats", "multiplier"),
    # 1 + 9 × 0.30 = 3.70 at 10; + 1 × 0.15 = 3.85 at 11; + 40 × 0.15 = 9.70 at 50;
    # + 950 × 0.05 = 57.20 at 1000
    [(1, "1"), (2, "1.30"), (10, "3.70"), (11, "3.85"), (50, "9.70"), (1000, "57.20")],
)
def test_seats_add_each_tiers_rate(table, seats, multiplier):
    assert licence_adjustment(LicenceTerms(seats=seats), table).multiplier == Decimal(multiplier)


def test_redistribution_doubles_the_price(table):
    assert licence_adjustment(LicenceTerms(redistribution=True), table).multiplier == 2


@pytest.mark.parametrize(
    ("terms", "field"),
    [({"term_months": 61}, "term_months"), ({"seats": 1001}, "seats")],
)
def test_terms_beyond_the_table_are_refused(table, terms, field):
    with pytest.raises(ValuationError) as refused:
        licence_adjustment(LicenceTerms(**terms), table)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"kind": "sole"}, "kind"),
        ({"territory": "mars"}, "territory"),
        ({"term_months": 0}, "term_months"),
        ({"seats": 0}, "seats"),
        ({"derivative": "yes"}, "derivative"),
    ],
)
def test_bad_terms_are_refused_by_name(terms, field):
    with pytest.raises(ValuationError) as refused:
        LicenceTerms(**terms)
    assert refused.value.field == field


def test_the_default_file_reads_as_the_same_table(table):
    assert read_licence_table() == table


def test_a_table_may_come_from_json(tmp_path, table_data):
    path = tmp_path / "licence.json"
    path.write_text(json.dumps(table_data))
    assert read_licence_table(path) == licence_table(table_data)


def test_a_table_passed_in_changes_the_price(table_data):
    changed = copy.deepcopy(table_data)
    changed["kind"]["exclusive"] = "5"
    exclusive = LicenceTerms(kind="exclusive")
    assert licence_adjustment(exclusive, licence_table(changed)).multiplier == 5


def edit(data: dict, path: str, value: object) -> dict:
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


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("kind.non_exclusive", "1.10", "reference"),
        ("kind.exclusive", "0", "kind.exclusive"),
        ("kind.exclusive", "-2", "kind.exclusive"),
        ("kind.exclusive", "NaN", "kind.exclusive"),
        ("kind.exclusive", None, "kind"),
        ("kind.sole", "2", "kind"),
        ("term.3.multiplier", "0.90", "term"),
        ("term.2.up_to_months", 2, "term"),
        ("seats.0.each", "-0.1", "seats.each"),
        ("rights", None, "rights"),
        ("reference.colour", "red", "reference"),
    ],
)
def test_an_unsound_table_is_refused(table_data, path, value, field):
    with pytest.raises(ValuationError) as refused:
        licence_table(edit(table_data, path, value))
    assert refused.value.field == field
