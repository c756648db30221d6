"""Every download route sends a file with a Chinese name as an ASCII header with RFC 6266
`filename*`: a raw UTF-8 name cannot be encoded as latin-1 by a WSGI server (a 500)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from sqlalchemy import select

from exchange.extensions import db
from exchange.http.attachments import content_disposition
from exchange.kernel.vocabulary import Role
from exchange.rights.models import RightsDocument
from tests.catalog import person
from tests.delivery import copper_prices, grant, link, trade
from tests.integration.catalog_pages import sign_in_as
from tests.rights import apply_for, own_product

CHINESE = "阴极铜现货价格.csv"


def sent_name(disposition: str) -> str:
    """The UTF-8 name a client reads from the header, which must be plain ASCII on the wire."""
    disposition.encode("ascii")
    assert disposition.startswith("attachment;")
    parameters = dict(
        part.strip().split("=", 1) for part in disposition.split(";")[1:] if "=" in part
    )
    assert parameters["filename"].isascii()
    encoded = parameters.get("filename*", "UTF-8''" + parameters["filename"].strip('"'))
    charset, _, value = encoded.partition("''")
    assert charset == "UTF-8"
    return unquote(value)


@pytest.mark.parametrize(
    "name",
    ["阴极铜现货价格.csv", "copper.csv", 'a"b;c\\d.csv', "Café 报告.xlsx", "数据", "x\r\ny.csv"],
)
def test_the_header_is_ascii_and_carries_the_exact_name(name):
    header = content_disposition(name)
    assert "\r" not in header and "\n" not in header
    assert sent_name(header) == name.replace("\\", "_")


def test_a_chinese_named_copy_downloads_on_the_page_and_through_the_api(app, client):
    bought = trade(app, client, content=copper_prices(), filename=CHINESE)
    granted = grant(app, bought.contract_id)

    sign_in_as(client, bought.buyer)
    page = client.get(f"/downloads/{link(app, bought.buyer, granted.entitlement_id).token}")
    assert page.status_code == 200, page.data[:300]
    assert sent_name(page.headers["Content-Disposition"]) == CHINESE

    token = link(app, bought.buyer, granted.entitlement_id).token
    api = client.get(f"/api/v1/downloads/{token}")
    assert api.status_code == 200
    assert sent_name(api.headers["Content-Disposition"]) == CHINESE


def test_a_chinese_named_rights_document_downloads_on_the_page_and_through_the_api(app, client):
    vendor = person(app, [Role.VENDOR])
    product = own_product(client, vendor)
    registration_id = apply_for(app, vendor, product["id"])
    with app.app_context():
        document_id = db.session.scalars(
            select(RightsDocument.id).where(RightsDocument.registration_id == registration_id)
        ).one()
        db.session.remove()

    api = client.get(f"/api/v1/rights/documents/{document_id}", headers=vendor.headers)
    assert api.status_code == 200
    assert sent_name(api.headers["Content-Disposition"]) == "数据来源说明.pdf"
    sign_in_as(client, vendor)
    page = client.get(f"/rights/documents/{document_id}")
    assert page.status_code == 200
    assert sent_name(page.headers["Content-Disposition"]) == "数据来源说明.pdf"
