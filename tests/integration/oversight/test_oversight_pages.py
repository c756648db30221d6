"""The regulators' portal through the test client with CSRF on, on SQLite and PostgreSQL: the
dashboard's charts and tables, the trade browser with its filters, order, pages and exports,
one trade's dossier and the check of its proofs, the alerts and their life, leak tracing, and
who may see any of it. Trades are made through the services, as buyers and vendors make them."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contracts.anchoring import anchor_pending
from exchange.catalog.extension import data_files
from exchange.delivery import entitlements as delivery
from exchange.delivery.models import Entitlement
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.models import utcnow
from exchange.kernel.records import AuditEvent
from exchange.kernel.vocabulary import Role
from exchange.ledger.extension import chain_of
from exchange.oversight import alerts as oversight_alerts
from exchange.oversight.domain import AlertKind
from exchange.oversight.models import OversightAlert
from exchange.payments.domain import Gateway
from exchange.payments.gateways import gateways_from_config
from exchange.trading import payment_outcomes, payment_start, settlement, signing_keys
from exchange.trading.contract_lookup import trade_contract
from exchange.trading.extension import signing_domain
from tests.catalog import Person, create_product, person, submit
from tests.delivery import copper_prices, grant
from tests.delivery import trade as delivered_trade
from tests.integration.catalog_pages import english, post, sign_in_as, text
from tests.rights import actor
from tests.trading import Market, accept, act, market, propose, terms

COST = {
    "planning": "10000",
    "collection": "20000.50",
    "labour": "30000",
    "return_rate": "0.2",
    "total_life_months": 36,
    "remaining_life_months": 30,
}
CHARTS = ["by-month", "by-board", "by-region", "top-vendors", "top-buyers", "by-grade"]


@dataclass(frozen=True)
class World:
    """A settled trade priced far above its valuation band, downloaded once; a regulator."""

    market: Market
    contract_id: int
    price: Decimal
    band: dict
    regulator: Person


def yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def as_(app, someone: Person, *, in_english: bool = False):
    """A client of its own signed in as the person, reading Chinese unless told otherwise."""
    client = app.test_client()
    sign_in_as(client, someone)
    if in_english:
        english(client)
    return client


def sign(app, who: Person, contract_id: int) -> None:
    """Sign under the exchange's own domain, so the pages find the signatures verified."""
    with app.app_context():
        try:
            signing_keys.sign_contract(
                uow(),
                actor(who),
                contract_id,
                master_key=app.config["MASTER_KEY"],
                domain=signing_domain(app),
            )
        finally:
            db.session.remove()


def paid(app, found: Market, buyer: Person, price: Decimal) -> int:
    """Offer, acceptance, both signatures and a confirmed bank transfer; the contract's id."""
    contract_id = accept(app, found.vendor, propose(app, buyer, found.offer_id, terms(price=price)))
    sign(app, found.vendor, contract_id)
    sign(app, buyer, contract_id)
    bank = gateways_from_config(app.config)[Gateway.BANK_TRANSFER]
    started = act(app, buyer, payment_start.start_payment, contract_id, gateway=bank)
    act(app, found.operator, payment_outcomes.confirm_bank_transfer, started["id"], amount=price)
    return contract_id


def download(app, buyer: Person, contract_id: int):
    """The buyer's fingerprinted copy, downloaded through the delivery service."""
    with app.app_context():
        entitlement_id = db.session.scalar(
            select(Entitlement.id).where(Entitlement.contract_id == contract_id)
        )
        secret, lifetime = app.config["SECRET_KEY"], app.config["DOWNLOAD_LINK_SECONDS"]
        link = delivery.download_link(
            uow(),
            actor(buyer),
            entitlement_id,
            secret=secret,
            lifetime=lifetime,
            contracts=trade_contract,
        )
        copy = delivery.open_download(
            uow(),
            link.token,
            secret=secret,
            lifetime=lifetime,
            files=data_files(),
            contracts=trade_contract,
        )
        db.session.remove()
    return copy


@pytest.fixture
def world(app, client) -> World:
    found = market(app, client)
    response = client.post(
        f"/api/v1/products/{found.product_id}/valuations",
        json={"cost": COST},
        headers=found.vendor.headers,
    )
    assert response.status_code == 201, response.get_json()
    band = response.get_json()
    price = (Decimal(band["ceiling"]) * 2).quantize(Decimal("0.01"))
    contract_id = paid(app, found, found.buyer, price)
    download(app, found.buyer, contract_id)
    act(app, found.buyer, settlement.accept_delivery, contract_id)
    return World(found, contract_id, price, band, person(app, [Role.REGULATOR]))


def detected(app) -> dict[AlertKind, int]:
    """Run the detectors; the id of each alert raised, by kind."""
    with app.app_context():
        oversight_alerts.detect(uow(), now=utcnow() + timedelta(minutes=1))
        found = {a.kind: a.id for a in db.session.scalars(select(OversightAlert))}
        db.session.remove()
    return found


def audit_count(app) -> int:
    with app.app_context():
        found = db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        db.session.remove()
    return found


def figure(page: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">(.*?)</figure>', page, re.S)
    assert found, f"no figure {name}"
    return found.group(1)


def table_rows(block: str) -> list[list[str]]:
    """Each body row's cells as plain text."""
    body = re.search(r"<tbody>(.*?)</tbody>", block, re.S)
    assert body
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    ]


def contract_ids(page: str) -> list[int]:
    block = re.search(r'data-testid="trades">(.*?)</table>', page, re.S)
    assert block, "no trade table"
    return [int(i) for i in re.findall(r'<tr data-contract-id="(\d+)"', block.group(1))]


def in_place_errors(page: str) -> list[str]:
    block = re.search(r'data-testid="filter-errors">(.*?)</div>\s*<div class="row', page, re.S)
    assert block, "no messages above the filters"
    return [
        " ".join(m.split()) for m in re.findall(r'data-field="[^"]+">(.*?)</div>', block.group(1))
    ]


# The dashboard


def test_the_dashboard_shows_the_market_in_chinese_with_a_table_after_each_chart(app, world):
    page = text(as_(app, world.regulator).get("/oversight"))

    assert "<title>监管" in page
    assert re.search(r'data-testid="total-trades">1<', page)
    assert f'data-testid="total-value">{yuan(world.price)}<' in page
    for name in CHARTS:
        block = figure(page, name)
        svg = re.search(r"<svg[^>]*>", block).group(0)
        assert 'role="img"' in svg and "aria-label=" in svg
        assert "<title>" in block
        assert re.search(r"<svg.*</svg>\s*<table[^>]*>\s*<caption", block, re.S), name
    [[board, trades, value]] = table_rows(figure(page, "by-board"))
    assert (trades, value) == ("1", yuan(world.price))
    grades = {row[0]: row[1] for row in table_rows(figure(page, "by-grade"))}
    assert grades == {"一般数据": "1", "重要数据": "0", "核心数据": "0"}
    months = table_rows(figure(page, "by-month"))
    assert len(months) == 12 and months[-1][1:] == ["1", yuan(world.price)]


def test_the_dashboard_reads_in_english_and_names_the_parties(app, world):
    page = text(as_(app, world.regulator, in_english=True).get("/oversight"))

    assert "Traded value by month" in page and "Top buyers by traded value" in page
    [[vendor, trades, value]] = table_rows(figure(page, "top-vendors"))
    assert (trades, value) == ("1", yuan(world.price))
    [[buyer, *_]] = table_rows(figure(page, "top-buyers"))
    assert vendor != buyer
    assert f"buyer={world.market.buyer.organisation_id}" in figure(page, "top-buyers")


def test_a_table_row_opens_the_trades_it_counts(app, world):
    page = text(as_(app, world.regulator).get("/oversight"))
    link = re.search(r'href="(/oversight/trades\?[^"]*board=[^"]+)"', figure(page, "by-board"))

    listed = as_(app, world.regulator).get(link.group(1))

    assert listed.status_code == 200
    assert contract_ids(text(listed)) == [world.contract_id]


def test_the_dashboard_counts_the_review_queue_and_links_to_it(app, client, world):
    vendor = world.market.vendor
    product_id = create_product(client, vendor.headers)["id"]
    assert submit(client, vendor, product_id).status_code == 200

    page = text(as_(app, world.regulator).get("/oversight"))

    assert re.search(r'data-testid="queue-waiting">1<', page)
    assert 'href="/review"' in page


def test_a_bad_period_is_named_in_place(app, world):
    regulator = as_(app, world.regulator, in_english=True)
    backwards = regulator.get("/oversight?date_from=2026-05-01&date_to=2026-04-01")
    assert backwards.status_code == 400
    assert "The period must start before it ends." in text(backwards)
    assert 'data-figure="by-month"' not in text(backwards)

    malformed = regulator.get("/oversight?date_from=2026-13-01")
    assert malformed.status_code == 400
    assert re.search(r'name="date_from"[^>]*>\s*<div class="invalid-feedback', text(malformed))


def test_the_home_offers_the_whole_ledger_verification(app, world):
    regulator = as_(app, world.regulator)
    page = text(regulator.get("/oversight"))
    assert re.search(r'<form method="post" action="/ledger/verify"', page)

    report = post(regulator, "/ledger/verify")

    assert report.status_code == 200
    assert 'data-testid="verdict" data-ok="true"' in text(report)


# The trade browser


@pytest.fixture
def two_trades(app, world) -> tuple[World, Person, int]:
    """A second, cheaper trade of the same product by another buyer, still in escrow."""
    other = person(app, [Role.BUYER])
    contract_id = paid(app, world.market, other, Decimal("5000.00"))
    return world, other, contract_id


def test_filters_narrow_the_trades(app, two_trades):
    world, other, cheaper = two_trades
    regulator = as_(app, world.regulator)

    everything = contract_ids(text(regulator.get("/oversight/trades")))
    by_buyer = contract_ids(text(regulator.get(f"/oversight/trades?buyer={other.organisation_id}")))
    costly = contract_ids(text(regulator.get("/oversight/trades?amount_min=6000&vendor=")))
    settled = contract_ids(text(regulator.get("/oversight/trades?status=settled")))

    assert sorted(everything) == sorted([world.contract_id, cheaper])
    assert by_buyer == [cheaper]
    assert costly == [world.contract_id]
    assert settled == [world.contract_id]


def test_a_malformed_filter_is_named_in_place_with_400_and_writes_nothing(app, two_trades):
    world, _, _ = two_trades
    regulator = as_(app, world.regulator, in_english=True)
    before = audit_count(app)

    response = regulator.get("/oversight/trades?amount_min=lots&date_from=2026-02-30&grade=secret")

    assert response.status_code == 400
    page = text(response)
    assert in_place_errors(page) == [
        "Enter a date as YYYY-MM-DD.",
        "Enter a number, e.g. 1200.00.",
        "Unknown classification grade: secret.",
    ]
    assert 'value="lots"' in page  # the input is kept for correcting
    assert 'data-testid="trades"' not in page
    assert audit_count(app) == before


def test_the_price_header_sorts_and_pages_follow(app, two_trades):
    world, _, cheaper = two_trades
    regulator = as_(app, world.regulator)
    page = text(regulator.get("/oversight/trades?per_page=1"))
    sort_link = re.search(r'href="([^"]*sort=-amount[^"]*)" data-sort="amount"', page).group(1)

    first = text(regulator.get(sort_link.replace("&amp;", "&")))
    assert contract_ids(first) == [world.contract_id]  # the dearest first
    next_link = re.search(r'href="([^"]+)" data-testid="next-page"', first).group(1)
    second = text(regulator.get(next_link))

    assert contract_ids(second) == [cheaper]
    assert "第 2 页，共 2 页" in second


def test_exports_download_as_csv_and_xlsx_with_the_filters(app, two_trades):
    world, other, cheaper = two_trades
    regulator = as_(app, world.regulator)
    page = text(regulator.get(f"/oversight/trades?buyer={other.organisation_id}"))
    csv_link = re.search(r'href="([^"]+)" data-testid="export-csv"', page).group(1)
    xlsx_link = re.search(r'href="([^"]+)" data-testid="export-xlsx"', page).group(1)

    as_csv = regulator.get(csv_link)
    as_xlsx = regulator.get(xlsx_link)

    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    assert "attachment" in as_csv.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.get_data().decode("utf-8-sig"))))
    assert rows[0][0] == "合同" and len(rows) == 2
    assert "5000.00" in rows[1]
    assert as_xlsx.status_code == 200
    assert as_xlsx.mimetype == ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert as_xlsx.get_data()[:2] == b"PK"


# One trade


def test_the_trade_page_shows_the_contract_signatures_band_and_ledger(app, world):
    page = text(as_(app, world.regulator).get(f"/oversight/trades/{world.contract_id}"))

    assert "数据产品使用许可合同" in re.search(
        r'data-testid="contract-text"[^>]*>(.*?)</pre>', page, re.S
    ).group(1)
    assert page.count('data-testid="signature-verified">已认证<') == 2
    assert f'data-testid="band-ceiling">{yuan(Decimal(world.band["ceiling"]))}<' in page
    assert "价格在估值区间之外" in page
    assert 'data-kind="payment"' in page and 'data-kind="release"' in page
    downloads = re.search(r'data-testid="downloads">(.*?)</table>', page, re.S).group(1)
    assert len(table_rows(downloads)) == 1
    ledger = re.search(r'data-testid="trade-ledger">(.*?)</table>', page, re.S).group(1)
    seqs = re.findall(r'<tr data-seq="(\d+)"><td><a href="/ledger/(\d+)"', ledger)
    assert len(seqs) == 9 and all(seq == linked for seq, linked in seqs)
    assert ledger.count('data-anchor="pending"') == 9


def test_the_trade_page_reads_in_english(app, world):
    page = text(
        as_(app, world.regulator, in_english=True).get(f"/oversight/trades/{world.contract_id}")
    )
    shown = re.search(r'data-testid="contract-text"[^>]*>(.*?)</pre>', page, re.S).group(1)
    assert "Contract number: GTC-" in shown and "合同编号" not in shown
    assert page.count('data-testid="signature-verified">Verified<') == 2
    assert "Ledger entries of this trade" in page
    assert "Check this trade’s proofs" in page


def test_the_proof_check_reports_each_entry_before_and_after_anchoring(app, world):
    regulator = as_(app, world.regulator, in_english=True)
    path = f"/oversight/trades/{world.contract_id}/proofs"

    before = post(regulator, path)
    assert before.status_code == 200
    checks = re.findall(r'data-testid="proof-check" data-seq="\d+" data-ok="(\w+)"', text(before))
    assert checks == ["none"] * 9
    assert "not every entry could be checked on chain" in text(before)

    with app.app_context():
        anchor_pending(db.engine, chain_of(app), force=True)
        db.session.remove()
    after = text(post(regulator, path))

    checks = re.findall(r'data-testid="proof-check" data-seq="\d+" data-ok="(\w+)"', after)
    assert checks == ["true"] * 9
    assert (
        "All 9 ledger entries of this trade are in the ledger and their roots are on chain."
        in after
    )
    assert "Root on chain matches" in after


# Alerts


def test_alerts_are_listed_and_filtered_by_status_and_kind(app, world):
    raised = detected(app)
    regulator = as_(app, world.regulator)

    def listed(query: str = "") -> list[int]:
        page = text(regulator.get(f"/oversight/alerts{query}"))
        return [int(i) for i in re.findall(r'<tr data-alert-id="(\d+)"', page)]

    assert sorted(listed()) == sorted(raised.values())
    assert listed("?kind=price_deviation") == [raised[AlertKind.PRICE_DEVIATION]]
    assert listed("?status=closed") == []
    assert "远超估值区间" in text(regulator.get("/oversight/alerts"))


def test_an_unknown_alert_status_is_named_in_place(app, world):
    response = as_(app, world.regulator, in_english=True).get("/oversight/alerts?status=resolved")
    assert response.status_code == 400
    assert "There is no such status." in text(response)


def test_the_alert_page_shows_its_evidence_readably_with_links(app, world):
    raised = detected(app)
    page = text(
        as_(app, world.regulator, in_english=True).get(
            f"/oversight/alerts/{raised[AlertKind.PRICE_DEVIATION]}"
        )
    )
    evidence = re.search(r'data-testid="evidence"(.*?)</dl>', page, re.S).group(1)
    assert f'href="/oversight/trades/{world.contract_id}"' in evidence
    assert yuan(world.price) in evidence
    assert re.search(r'data-testid="deviation">100%<', evidence)
    assert f'href="/organisations/{world.market.buyer.organisation_id}"' in evidence
    assert 'data-status="open"' in page


def test_a_regulator_acknowledges_then_closes_an_alert(app, world):
    alert_id = detected(app)[AlertKind.PRICE_DEVIATION]
    regulator = as_(app, world.regulator, in_english=True)
    path = f"/oversight/alerts/{alert_id}"

    acknowledged = post(regulator, f"{path}/acknowledge", follow_redirects=True)
    assert 'data-status="acknowledged"' in text(acknowledged)
    assert "The alert is acknowledged." in text(acknowledged)
    closed = post(regulator, f"{path}/close", follow_redirects=True)

    assert 'data-status="closed"' in text(closed)
    assert "This alert is closed." in text(closed)


def test_an_illegal_transition_is_refused_in_place(app, world):
    alert_id = detected(app)[AlertKind.PRICE_DEVIATION]
    regulator = as_(app, world.regulator, in_english=True)
    post(regulator, f"/oversight/alerts/{alert_id}/close")

    refused = post(regulator, f"/oversight/alerts/{alert_id}/acknowledge")

    assert refused.status_code == 409
    error = re.search(r'data-testid="action-error">(.*?)</div>\s*</div>', text(refused), re.S)
    assert "This alert is Closed; it cannot be moved to Acknowledged." in error.group(1)


def test_a_note_is_added_and_an_empty_one_is_refused_in_place(app, world):
    alert_id = detected(app)[AlertKind.PRICE_DEVIATION]
    regulator = as_(app, world.regulator)
    path = f"/oversight/alerts/{alert_id}/notes"

    added = post(regulator, path, {"body": "已联系买方核实用途。"}, follow_redirects=True)
    empty = post(regulator, path, {"body": "   "})

    assert re.search(r"已联系买方核实用途。", text(added))
    assert world.regulator.display_name in text(added)
    assert empty.status_code == 422
    assert re.search(r'data-testid="note-error">请填写备注。<', text(empty))


# Leak tracing


def test_a_leaked_copy_names_its_buyer(app, client):
    first = delivered_trade(app, client)
    second = delivered_trade(app, client, vendor=first.vendor, product_id=first.product_id)
    for bought in (first, second):
        grant(app, bought.contract_id)
    download(app, first.buyer, first.contract_id)
    leaked = download(app, second.buyer, second.contract_id)
    regulator = as_(app, person(app, [Role.REGULATOR]), in_english=True)

    found = post(
        regulator,
        "/oversight/leaks",
        {"file": (io.BytesIO(leaked.content), "copper.csv")},
        content_type="multipart/form-data",
    )
    clean = post(
        regulator,
        "/oversight/leaks",
        {"file": (io.BytesIO(copper_prices()), "copper.csv")},
        content_type="multipart/form-data",
    )

    assert found.status_code == 200
    buyer = re.search(r'data-testid="leak-buyer">(.*?)</dd>', text(found), re.S).group(1)
    assert f'data-organisation-id="{second.buyer.organisation_id}"' in buyer
    assert f'href="/oversight/trades/{second.contract_id}"' in text(found)
    assert 'data-testid="leak-alert"' in text(found)
    assert 'data-testid="no-fingerprint">No fingerprint found<' in text(clean)


def test_an_unreadable_or_oversized_file_is_named_in_place(app, world):
    regulator = as_(app, world.regulator, in_english=True)
    before = audit_count(app)

    unreadable = post(
        regulator,
        "/oversight/leaks",
        {"file": (io.BytesIO(b"\x00\x01 not a table"), "copper.xlsx")},
        content_type="multipart/form-data",
    )
    app.config["OVERSIGHT_LEAK_MAX_BYTES"] = 10
    oversized = post(
        regulator,
        "/oversight/leaks",
        {"file": (io.BytesIO(copper_prices()), "copper.csv")},
        content_type="multipart/form-data",
    )

    assert unreadable.status_code == 422
    assert re.search(r'data-testid="file-error">[^<]+<', text(unreadable))
    assert oversized.status_code == 413
    assert "A suspect file may be at most 10 bytes." in text(oversized)
    assert audit_count(app) == before


# Who may see it

READ_ROUTES = [
    "/oversight",
    "/oversight/trades",
    "/oversight/trades/export.csv",
    "/oversight/trades/1",
]
REGULATOR_ROUTES = ["/oversight/alerts", "/oversight/alerts/1", "/oversight/leaks"]
POST_ROUTES = [
    "/oversight/trades/1/proofs",
    "/oversight/alerts/1/acknowledge",
    "/oversight/alerts/1/close",
    "/oversight/alerts/1/notes",
]


@pytest.mark.parametrize("roles", [[Role.VENDOR], [Role.BUYER], [Role.VENDOR, Role.BUYER]])
def test_others_get_the_403_page_on_every_route(app, roles):
    outsider = as_(app, person(app, roles))
    for path in READ_ROUTES + REGULATOR_ROUTES:
        assert outsider.get(path).status_code == 403, path
    for path in [*POST_ROUTES, "/oversight/leaks"]:
        assert post(outsider, path).status_code == 403, path


def test_operators_read_the_market_but_not_the_alerts(app):
    operator = as_(app, person(app, [Role.OPERATOR]))
    assert operator.get("/oversight").status_code == 200
    assert operator.get("/oversight/trades").status_code == 200
    for path in REGULATOR_ROUTES:
        assert operator.get(path).status_code == 403, path
    assert 'data-testid="nav-oversight"' not in text(operator.get("/oversight"))


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in READ_ROUTES + REGULATOR_ROUTES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/sign-in"), path
    for path in POST_ROUTES:
        response = post(client, path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], path
    assert post(client, "/oversight/leaks").status_code == 401  # an upload asks first


def test_regulators_find_oversight_in_the_navigation(app):
    regulator = as_(app, person(app, [Role.REGULATOR]))
    vendor = as_(app, person(app, [Role.VENDOR]))
    assert re.search(
        r'href="/oversight" data-testid="nav-oversight">监管<', text(regulator.get("/"))
    )
    assert 'data-testid="nav-oversight"' not in text(vendor.get("/"))
