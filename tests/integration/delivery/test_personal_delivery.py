"""Personal information in delivered copies, on SQLite and PostgreSQL: an upload with ID,
mobile and bank-card columns, listed, bought and downloaded, arrives masked or pseudonymised
(per buyer) as the listing and the contract state; raw only on a legal basis a regulator
approved, through the same review as important data."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from exchange.accounts.models import User
from exchange.catalog.extension import data_files
from exchange.catalog.ingest.masking import normalise
from exchange.catalog.models import DataProduct
from exchange.delivery import entitlements as delivery
from exchange.delivery.fingerprint import identify
from exchange.delivery.models import Entitlement
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.records import AuditEvent
from exchange.kernel.vocabulary import Role
from exchange.trading.contract_lookup import trade_contract
from exchange.trading.models import TradeContract
from tests.catalog import Person, person, review, submit
from tests.delivery import grant, link, paid_contract, product_with_file
from tests.factories import PASSWORD, csrf_token
from tests.integration.catalog_pages import post
from tests.rights import certify
from tests.trading import accept, propose


def id_number(first17: str) -> str:
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    return first17 + "10X98765432"[total % 11]


def luhn(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return body + str(-total % 10)


ROWS = 40
NAMES = ["张三", "李四", "王五", "赵六", "欧阳修远"]


def person_row(i: int) -> dict[str, str]:
    """One customer, written as real files write them: mixed widths, groupings, prefixes."""
    born = date(1960 + i % 40, i % 12 + 1, i % 28 + 1)
    ident = id_number(f"360102{born:%Y%m%d}{i:03d}")
    mobile = f"13{i % 10}{i:08d}"
    card = luhn(f"62220212{i:010d}")
    writings = [
        (ident, mobile, card),
        (
            ident.lower(),
            f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}",
            " ".join(card[k : k + 4] for k in range(0, len(card), 4)),
        ),
        (
            "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in ident),
            f"0086-{mobile}",
            card,
        ),
    ]
    shown_id, shown_mobile, shown_card = writings[i % 3]
    return {
        "客户姓名": NAMES[i % len(NAMES)],
        "身份证号": shown_id,
        "手机": shown_mobile,
        "银行卡号": shown_card,
        "备注": f"客户于{born:%Y年%m月%d日}来电，回拨{mobile}即可",
        "消费金额(元)": f"{1000 + i * 37}.{i % 100:02d}",
        "canonical": f"{ident}|{mobile}|{card}",
    }


def customers_csv(rows: int = ROWS) -> tuple[bytes, list[tuple[str, str, str]]]:
    """The file, and each row's ID, mobile and card number in canonical form."""
    out = io.StringIO()
    records = [person_row(i) for i in range(rows)]
    columns = [c for c in records[0] if c != "canonical"]
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    secrets = [tuple(r["canonical"].split("|")) for r in records]
    return out.getvalue().encode(), secrets  # type: ignore[return-value]


def bare(text: str) -> str:
    return "".join(c for c in normalise(text).text if c.isalnum()).upper()


def download(app: Flask, buyer: Person, entitlement_id: int) -> bytes:
    token = link(app, buyer, entitlement_id).token
    with app.app_context():
        try:
            return delivery.open_download(
                uow(),
                token,
                secret=app.config["SECRET_KEY"],
                lifetime=app.config["DOWNLOAD_LINK_SECONDS"],
                files=data_files(),
                contracts=trade_contract,
            ).content
        finally:
            db.session.remove()


def rows_of(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def describe(client: FlaskClient, vendor: Person, product_id: int, **body: object):
    return client.put(f"/api/v1/products/{product_id}/fields", json=body, headers=vendor.headers)


def listed(app: Flask, client: FlaskClient, content: bytes, *, forms=None, basis=None):
    """A vendor's product of the file, its columns described, listed; (vendor, operator, id)."""
    vendor = person(app, [Role.VENDOR])
    operator = person(app, [Role.OPERATOR])
    product_id = product_with_file(client, vendor, content, "customers.csv")
    notes = [{"name": "客户姓名", "personal": True}]
    notes += [
        {"name": name, "personal": True, "form": form} for name, form in (forms or {}).items()
    ]
    body: dict[str, object] = {"fields": notes}
    if basis:
        body["legal_basis"] = basis
    response = describe(client, vendor, product_id, **body)
    assert response.status_code == 200, response.get_json()
    assert submit(client, vendor, product_id).status_code == 200
    assert review(client, operator, product_id).status_code == 200
    return vendor, operator, product_id


def bought(app: Flask, vendor: Person, product_id: int, offer_id: int) -> tuple[Person, int]:
    """A new buyer's contract drafted from an agreed negotiation, paid, and entitled."""
    buyer = person(app, [Role.BUYER])
    contract_id = accept(app, vendor, propose(app, buyer, offer_id))
    return buyer, grant(app, contract_id).entitlement_id


def offer_of(client: FlaskClient, vendor: Person, product_id: int) -> int:
    page = client.get(f"/api/v1/products/{product_id}", headers=vendor.headers).get_json()
    return int(page["offers"][0]["id"])


def test_a_listing_with_personal_columns_delivers_no_raw_identifier(app, client):
    content, secrets = customers_csv()
    vendor, _, product_id = listed(app, client, content)
    certify(app, vendor, product_id)
    buyer, entitlement_id = bought(app, vendor, product_id, offer_of(client, vendor, product_id))
    delivered = download(app, buyer, entitlement_id)
    text = bare(delivered.decode("utf-8-sig"))
    for ident, mobile, card in secrets:
        for secret in (ident, mobile, card):
            assert bare(secret) not in text
    rows = rows_of(delivered)
    assert all(row["身份证号"].startswith("ID-") for row in rows)
    assert all(row["手机"].startswith("MOB-") for row in rows)
    assert all(row["银行卡号"].startswith("CARD-") for row in rows)
    assert {row["客户姓名"][0] for row in rows} <= {"张", "李", "王", "赵", "欧"}
    assert all("*" in row["客户姓名"] for row in rows)  # free text declared personal: masked
    assert all("*" in row["备注"] for row in rows)  # a phone inside a remark: masked


def test_tokens_join_within_one_buyer_and_differ_between_buyers(app, client):
    content, _ = customers_csv()
    vendor, _, product_id = listed(app, client, content)
    certify(app, vendor, product_id)
    offer_id = offer_of(client, vendor, product_id)
    first, first_entitlement = bought(app, vendor, product_id, offer_id)
    other, other_entitlement = bought(app, vendor, product_id, offer_id)
    copy = download(app, first, first_entitlement)
    with app.app_context():
        keys = {
            e.id: bytes(e.fingerprint_key)
            for e in db.session.scalars(
                select(Entitlement).where(Entitlement.product_id == product_id)
            )
        }
        db.session.remove()
    traced = identify(copy, "customers.csv", keys)  # the marks survive desensitising
    assert traced is not None and traced.entitlement == first_entitlement
    once = rows_of(copy)
    again = rows_of(download(app, first, first_entitlement))
    theirs = rows_of(download(app, other, other_entitlement))
    ids = [row["身份证号"] for row in once]
    assert ids == [row["身份证号"] for row in again]
    # Rows 0, 1 and 2 of each three are one ID written three ways in the file: one token each.
    assert len(set(ids)) == ROWS
    assert not set(ids) & {row["身份证号"] for row in theirs}


def test_the_vendors_chosen_forms_are_on_the_page_in_the_contract_and_in_the_copy(app, client):
    content, secrets = customers_csv()
    vendor, _, product_id = listed(app, client, content, forms={"手机": "masked"})
    page = client.get(f"/api/v1/products/{product_id}").get_json()
    forms = {c["column"]: c["form"] for c in page["personal_information"]["columns"]}
    assert forms == {
        "客户姓名": "masked",
        "身份证号": "pseudonymised",
        "手机": "masked",
        "银行卡号": "pseudonymised",
    }
    html = client.get(f"/products/{product_id}").get_data(as_text=True)
    assert 'data-form="masked"' in html and 'data-form="pseudonymised"' in html
    certify(app, vendor, product_id)
    buyer, entitlement_id = bought(app, vendor, product_id, offer_of(client, vendor, product_id))
    with app.app_context():
        contract = db.session.scalars(
            select(TradeContract).where(TradeContract.product_id == product_id)
        ).one()
        assert '"personal_information"' in contract.canonical
        assert "“手机”（手机号码）：遮盖交付" in contract.text_zh
        assert '"身份证号" (resident ID numbers): pseudonymised' in contract.text_en
        db.session.remove()
    rows = rows_of(download(app, buyer, entitlement_id))
    assert all("****" in row["手机"] for row in rows)
    assert all(
        bare(row["手机"])[-4:] == mobile[-4:]
        for row, (_, mobile, _) in zip(rows, secrets, strict=True)
    )


def test_raw_delivery_needs_a_stated_basis(app, client):
    content, _ = customers_csv(10)
    vendor = person(app, [Role.VENDOR])
    product_id = product_with_file(client, vendor, content, "customers.csv")
    response = describe(client, vendor, product_id, fields=[{"name": "身份证号", "form": "raw"}])
    assert response.status_code == 422
    assert "legal_basis" in response.get_json()["errors"]
    page = client.get(f"/api/v1/products/{product_id}", headers=vendor.headers).get_json()
    assert {c["column"]: c["form"] for c in page["personal_information"]["columns"]}[
        "身份证号"
    ] == "pseudonymised"


def test_raw_delivery_goes_to_a_regulator_and_arrives_raw_once_approved(app, client):
    content, secrets = customers_csv()
    vendor, _, product_id = listed(app, client, content, forms={"身份证号": "raw"}, basis="consent")
    page = client.get(f"/api/v1/products/{product_id}", headers=vendor.headers).get_json()
    assert page["status"] == "in_review"  # not listed on the operator's word alone
    regulator = person(app, [Role.REGULATOR])
    response = review(client, regulator, product_id)
    assert response.get_json()["status"] == "listed", response.get_json()
    page = client.get(f"/api/v1/products/{product_id}").get_json()
    assert page["personal_information"]["raw_approved"] == ["身份证号"]
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "listing.raw_personal_approved")
        ).one()
        assert event.actor_id == regulator.user_id
        assert event.detail == {"columns": ["身份证号"], "legal_basis": "consent"}
        db.session.remove()
    certify(app, vendor, product_id)
    buyer, entitlement_id = bought(app, vendor, product_id, offer_of(client, vendor, product_id))
    rows = rows_of(download(app, buyer, entitlement_id))
    assert {bare(row["身份证号"]) for row in rows} == {ident for ident, _, _ in secrets}
    assert all(row["手机"].startswith("MOB-") for row in rows)
    # A contract from before forms were stated promised desensitised data: no raw for it.
    earlier = person(app, [Role.BUYER])
    contract_id = paid_contract(app, product_id, vendor, earlier)
    rows = rows_of(download(app, earlier, grant(app, contract_id).entitlement_id))
    assert all(row["身份证号"].startswith("ID-") for row in rows)
    # A listed product cannot add a raw column the regulator did not approve.
    response = describe(client, vendor, product_id, fields=[{"name": "手机", "form": "raw"}])
    assert response.status_code == 409


def test_a_contract_from_before_the_forms_still_gets_no_raw_identifier(app, client):
    content, secrets = customers_csv(12)
    vendor = person(app, [Role.VENDOR])
    buyer = person(app, [Role.BUYER])
    product_id = product_with_file(client, vendor, content, "customers.csv")
    entitlement_id = grant(app, paid_contract(app, product_id, vendor, buyer)).entitlement_id
    text = bare(download(app, buyer, entitlement_id).decode("utf-8-sig"))
    assert not any(bare(secret) in text for row in secrets for secret in row)


def test_the_vendor_chooses_forms_and_basis_on_the_product_page(app, client):
    content, _ = customers_csv(10)
    vendor = person(app, [Role.VENDOR])
    product_id = product_with_file(client, vendor, content, "customers.csv")
    with app.app_context():
        email = db.session.get(User, vendor.user_id).email
        db.session.remove()
    form = {"email": email, "password": PASSWORD, "csrf_token": csrf_token(client, "/sign-in")}
    assert client.post("/sign-in", data=form).status_code == 302
    page = client.get(f"/products/{product_id}").get_data(as_text=True)
    columns = re.findall(r'name="unit_(\d+)"[^>]*aria-label="([^:"]+):', page)
    index = {name: i for i, name in columns}
    assert f'name="form_{index["身份证号"]}"' in page  # detected: a form to choose
    path = f"/vendor/products/{product_id}/fields"
    raw = {f"personal_{index['身份证号']}": "on", f"form_{index['身份证号']}": "raw"}
    refused = post(client, path, raw | {"legal_basis": ""})
    assert refused.status_code == 422
    assert re.search(r'class="text-danger small">[^<]+</div>', refused.get_data(as_text=True))
    wrong = post(client, path, raw | {"legal_basis": "because"})
    assert wrong.status_code == 422
    assert post(client, path, raw | {"legal_basis": "consent"}).status_code == 302
    with app.app_context():
        product = db.session.get(DataProduct, product_id)
        assert product.pi_legal_basis == "consent"
        fields = {f["name"]: f for f in product.versions[-1].fields}
        assert fields["身份证号"]["form"] == "raw"
        db.session.remove()


def test_a_sample_stored_by_the_old_detector_is_masked_when_shown(app, client):
    content, _ = customers_csv(10)
    vendor = person(app, [Role.VENDOR])
    product_id = product_with_file(client, vendor, content, "customers.csv")
    missed = ["１３８ ００１３ ８０００", "+86-139-0013-9000", "360102900307123"]
    with app.app_context():
        version = db.session.get(DataProduct, product_id).versions[-1]
        version.sample = {"columns": ["联系方式"], "rows": [[value] for value in missed]}
        db.session.commit()
        db.session.remove()
    body = client.get(f"/api/v1/products/{product_id}", headers=vendor.headers).get_json()
    shown = bare(" ".join(row[0] for row in body["latest"]["sample"]["rows"]))
    for value in missed:
        assert bare(value)[-11:] not in shown
