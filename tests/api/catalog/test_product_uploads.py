"""Uploading a product's data through the API: formats, profiling, encryption at rest, the
masked sample, and files that are refused without leaving anything behind."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from flask import Flask

from exchange.catalog.models import DataProduct
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from exchange.storage import CipherMode, KeyRing, KeyUnwrapFailed, LocalObjectStore
from tests.api.helpers import assert_problem, english_client, field_errors
from tests.catalog import (
    COPPER_CSV,
    Person,
    catalog_state,
    create_product,
    id_number,
    listed_product,
    person,
    stored_objects,
    upload,
)
from tests.factories import credit_code

HEADER = ["日期", "阴极铜现货价(元/吨)", "库存(吨)", "联系人手机"]
ROWS = [
    ["2026-10-08", "71250.00", "120300", "13812345678"],
    ["2026-10-09", "71480.50", "119850", "13912345679"],
    ["2026-10-10", None, "118400", "13712345670"],
    ["2026-10-11", "72010.00", "117920", "13612345671"],
]

# People whose details the masked sample must hide; every number passes its own check.
ID_NUMBERS = [id_number("36010219900307123"), id_number("11010519491231002")]
MOBILES = ["13812345678", "13987654321"]
EMAILS = ["zhangsan@example.com", "lisi@example.cn"]
BANK_CARDS = ["6222021234567890128", "4111111111111111"]
CREDIT_CODES = [credit_code(4242), credit_code(4343)]
NAMES = ["张三丰", "李四"]
PEOPLE_CSV = "\n".join(
    ["姓名,身份证号,手机,邮箱,银行卡,信用代码,备注"]
    + [
        ",".join([NAMES[i], ID_NUMBERS[i], MOBILES[i], EMAILS[i], BANK_CARDS[i], CREDIT_CODES[i]])
        + f",请联系 {MOBILES[1 - i]}"
        for i in range(2)
    ]
).encode()
ORIGINALS = [*ID_NUMBERS, *MOBILES, *EMAILS, *BANK_CARDS, *CREDIT_CODES, *NAMES]


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def json_bytes() -> bytes:
    return json.dumps([dict(zip(HEADER, row, strict=True)) for row in ROWS]).encode()


def parquet_bytes() -> bytes:
    columns = {name: [row[i] for row in ROWS] for i, name in enumerate(HEADER)}
    out = io.BytesIO()
    pq.write_table(pa.table(columns), out)
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("copper.csv", COPPER_CSV)
    return out.getvalue()


@pytest.fixture
def vendor(app) -> Person:
    return person(app, [Role.VENDOR])


@pytest.fixture
def draft(client, vendor) -> int:
    """A draft product without a file."""
    return create_product(client, vendor.headers, with_file=False)["id"]


def stored(app: Flask, product_id: int) -> tuple[DataProduct, str]:
    """The product's row and the object key of its latest version."""
    with app.app_context():
        product = db.session.get(DataProduct, product_id)
        assert product is not None
        key = product.versions[-1].object_key
        db.session.expunge_all()
        db.session.remove()
        return product, key


def decrypted(app: Flask, product_id: int, master_key: str | None = None) -> bytes:
    """The plaintext of the product's latest file, opened as the exchange would."""
    product, key = stored(app, product_id)
    data_key = KeyRing(master_key or app.config["MASTER_KEY"]).unwrap(
        product.wrapped_key, product.cipher_mode
    )
    store = LocalObjectStore(f"{app.instance_path}/objects")
    return b"".join(store.open(key, data_key, product.cipher_mode))


def readable_text(response) -> str:
    """The JSON body with Chinese as characters, not the \\u escapes it travels in."""
    return json.dumps(response.get_json(), ensure_ascii=False)


def latest(response) -> dict[str, Any]:
    assert response.status_code == 201, response.get_json()
    return response.get_json()["latest"]


# Formats, schema, size and quality


def test_csv_upload_gives_schema_rows_size_and_digest(client, vendor, draft):
    version = latest(upload(client, vendor.headers, draft))
    fields = version["fields"]
    assert [f["name"] for f in fields] == HEADER
    # The phone column's type matters less than that it is found and masked.
    assert [f["type"] for f in fields[:3]] == ["date", "decimal", "integer"]
    assert [f["sensitivity"] for f in fields] == [None, None, None, "mobile"]
    assert version["row_count"] == 4
    assert version["size_bytes"] == len(COPPER_CSV)
    assert version["sha256"] == hashlib.sha256(COPPER_CSV).hexdigest()
    assert version["file_format"] == "csv"


def test_quality_is_computed_from_the_file(client, vendor, draft):
    quality = latest(upload(client, vendor.headers, draft))["quality"]
    assert quality["scores"]["completeness"] == 0.9375  # one empty cell in sixteen
    assert quality["scores"]["consistency"] == 1.0
    assert quality["scores"]["accessibility"] == 0.95
    assert quality["declared"] == ["accuracy"]


@pytest.mark.parametrize(
    ("filename", "content"),
    [("copper.xlsx", xlsx_bytes), ("copper.json", json_bytes), ("copper.parquet", parquet_bytes)],
    ids=["xlsx", "json", "parquet"],
)
def test_other_formats_give_the_same_columns_and_rows(client, vendor, draft, filename, content):
    version = latest(upload(client, vendor.headers, draft, content(), filename))
    assert [f["name"] for f in version["fields"]] == HEADER
    assert version["row_count"] == 4
    assert version["file_format"] == filename.rpartition(".")[2]
    assert version["sample"]["rows"][0][3] == "138****5678"


# Encrypted at rest, never served raw


def test_stored_file_holds_no_plaintext(client, app, vendor, draft):
    upload(client, vendor.headers, draft)
    [path] = stored_objects(app)
    on_disk = path.read_bytes()
    assert path.is_relative_to(f"{app.instance_path}/objects")
    for plain in (COPPER_CSV, "阴极铜".encode(), b"13812345678", b"71250.00"):
        assert plain not in on_disk


def test_stored_file_opens_only_with_the_products_key_under_the_master_key(
    client, app, vendor, draft
):
    upload(client, vendor.headers, draft)
    product, _ = stored(app, draft)
    assert product.cipher_mode is CipherMode.AES_256_GCM
    assert decrypted(app, draft) == COPPER_CSV
    with pytest.raises(KeyUnwrapFailed):
        decrypted(app, draft, master_key="another-master-key")


def test_every_product_has_its_own_data_key(client, app, vendor):
    first = create_product(client, vendor.headers)["id"]
    second = create_product(client, vendor.headers)["id"]
    ring = KeyRing(app.config["MASTER_KEY"])
    keys = [
        ring.unwrap(stored(app, p)[0].wrapped_key, CipherMode.AES_256_GCM) for p in (first, second)
    ]
    assert keys[0] != keys[1]


def test_sm4_mode_encrypts_new_products_with_sm4(configured_app):
    app = configured_app(CIPHER_MODE="sm4-gcm")
    client = english_client(app)
    vendor = person(app, [Role.VENDOR])
    product_id = create_product(client, vendor.headers)["id"]
    product, _ = stored(app, product_id)
    assert product.cipher_mode is CipherMode.SM4_GCM
    # Opening checks the object's header names SM4-GCM before any chunk is decrypted.
    assert decrypted(app, product_id) == COPPER_CSV
    assert b"13812345678" not in (stored_objects(app)[0]).read_bytes()


def test_no_api_address_serves_the_raw_file(client, app, vendor):
    operator = person(app, [Role.OPERATOR])
    product_id = listed_product(client, vendor, operator)["id"]
    readable = [
        rule.rule.replace("<int:product_id>", str(product_id))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and "GET" in (rule.methods or ())
        and set(rule.arguments) <= {"product_id"}
    ]
    assert f"/api/v1/products/{product_id}" in readable
    # The regulators' trade export is a file too, but of trades (names, prices), not of data.
    exports = {"/api/v1/oversight/trades/export": "text/csv"}
    for path in readable:
        for who in (vendor, operator):
            response = client.get(path, headers=who.headers)
            allowed = ("application/json", "application/problem+json", exports.get(path))
            assert response.mimetype in allowed, path
            assert "13812345678" not in readable_text(response), path


# The masked sample


def test_sample_masks_every_kind_of_personal_value(client, vendor, draft):
    version = latest(upload(client, vendor.headers, draft, PEOPLE_CSV, "people.csv"))
    sensitivity = {f["name"]: f["sensitivity"] for f in version["fields"]}
    assert sensitivity == {
        "姓名": None,
        "身份证号": "id_number",
        "手机": "mobile",
        "邮箱": "email",
        "银行卡": "bank_card",
        "信用代码": "credit_code",
        "备注": None,
    }
    first = version["sample"]["rows"][0]
    assert first[1:] == [
        ID_NUMBERS[0][:3] + "*" * 11 + ID_NUMBERS[0][-4:],
        "138****5678",
        "z***@example.com",
        "*" * 15 + "0128",
        CREDIT_CODES[0][:2] + "*" * 14 + CREDIT_CODES[0][-2:],
        "请联系 139****4321",
    ]


def test_column_declared_personal_is_masked_too(client, vendor, draft):
    upload(client, vendor.headers, draft, PEOPLE_CSV, "people.csv")
    response = client.put(
        f"/api/v1/products/{draft}/fields",
        json={"fields": [{"name": "姓名", "personal": True}]},
        headers=vendor.headers,
    )
    version = response.get_json()["latest"]
    assert [row[0] for row in version["sample"]["rows"]] == ["张**", "李*"]
    field = version["fields"][0]
    assert (field["personal"], field["sensitivity"]) == (True, "declared")


def test_buyers_and_visitors_never_see_an_original_value(client, app, vendor):
    operator = person(app, [Role.OPERATOR])
    buyer = person(app, [Role.BUYER])
    product_id = create_product(client, vendor.headers, with_file=False)["id"]
    upload(client, vendor.headers, product_id, PEOPLE_CSV, "people.csv")
    client.put(
        f"/api/v1/products/{product_id}/fields",
        json={"fields": [{"name": "姓名", "personal": True}]},
        headers=vendor.headers,
    )
    client.post(f"/api/v1/products/{product_id}/submit", headers=vendor.headers)
    listing = client.post(
        f"/api/v1/products/{product_id}/review",
        json={"decision": "approve"},
        headers=operator.headers,
    )
    assert listing.get_json()["status"] == "listed"
    for headers in ({}, buyer.headers):
        for path in (
            f"/api/v1/products/{product_id}",
            "/api/v1/products",
            "/api/v1/products?q=铜",
        ):
            response = client.get(path, headers=headers)
            assert response.status_code == 200
            text = readable_text(response)
            assert [value for value in ORIGINALS if value in text] == [], path


# Column notes


def test_vendor_describes_columns_with_units_and_descriptions(client, vendor, draft):
    upload(client, vendor.headers, draft)
    notes = [{"name": "库存(吨)", "unit": "吨", "description": "社会库存", "personal": False}]
    response = client.put(
        f"/api/v1/products/{draft}/fields", json={"fields": notes}, headers=vendor.headers
    )
    assert response.status_code == 200
    field = response.get_json()["latest"]["fields"][2]
    assert (field["name"], field["type"], field["unit"], field["description"]) == (
        "库存(吨)",
        "integer",
        "吨",
        "社会库存",
    )


def test_notes_on_a_column_the_file_lacks_are_refused(client, app, vendor, draft):
    upload(client, vendor.headers, draft)
    before = catalog_state(app)
    response = client.put(
        f"/api/v1/products/{draft}/fields",
        json={"fields": [{"name": "价格", "unit": "元"}]},
        headers=vendor.headers,
    )
    assert field_errors(response) == {"fields": ["The file has no column named 价格."]}
    assert catalog_state(app) == before


def test_new_version_keeps_the_columns_declared_personal(client, vendor, draft):
    upload(client, vendor.headers, draft, PEOPLE_CSV, "people.csv")
    client.put(
        f"/api/v1/products/{draft}/fields",
        json={"fields": [{"name": "姓名", "personal": True}]},
        headers=vendor.headers,
    )
    version = latest(upload(client, vendor.headers, draft, PEOPLE_CSV, "people-2.csv"))
    assert version["number"] == 2
    assert [row[0] for row in version["sample"]["rows"]] == ["张**", "李*"]


# Refused files: a clear problem on `file`, and nothing stored


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("../copper.csv", COPPER_CSV, "The file name must not contain a path"),
        ("C:copper.csv", COPPER_CSV, "The file name must not contain a path"),
        (
            "copper.txt",
            COPPER_CSV,
            "Files of type txt are not accepted; upload CSV, XLSX, JSON or Parquet",
        ),
        ("copper.xlsx", COPPER_CSV, "The file's content does not match its xlsx extension"),
        ("copper.csv", zip_bytes(), "The file's content does not match its csv extension"),
        ("copper.csv", b"", "The file is empty"),
    ],
    ids=["parent-path", "drive-path", "unsupported", "csv-as-xlsx", "zip-as-csv", "empty"],
)
def test_unusable_file_is_refused_on_its_field(
    client, app, vendor, draft, filename, content, message
):
    before = catalog_state(app)
    errors = field_errors(upload(client, vendor.headers, draft, content, filename))
    assert errors == {"file": [message]}
    assert catalog_state(app) == before


def test_unreadable_rows_are_refused_and_nothing_is_stored(client, app, vendor, draft):
    before = catalog_state(app)
    ragged = COPPER_CSV + b"2026-10-12,72100.00,117000,13612345671,extra,values\n"
    errors = field_errors(upload(client, vendor.headers, draft, ragged))
    assert list(errors) == ["file"]
    assert catalog_state(app) == before


def test_upload_without_a_file_names_the_file_field(client, vendor, draft):
    response = client.post(
        f"/api/v1/products/{draft}/versions",
        data={"note": "忘了附件"},
        headers=vendor.headers,
        content_type="multipart/form-data",
    )
    assert field_errors(response) == {"file": ["Choose a data file to upload."]}


def test_refused_new_version_leaves_the_current_one(client, app, vendor):
    product = create_product(client, vendor.headers)
    before = catalog_state(app)
    assert_problem(upload(client, vendor.headers, product["id"], b"\x00\x01", "copper.csv"), 422)
    assert catalog_state(app) == before
    assert decrypted(app, product["id"]) == COPPER_CSV


def test_upload_to_an_unknown_product_is_not_found(client, vendor):
    assert_problem(upload(client, vendor.headers, 424242), 404)


# The size limit


@pytest.fixture
def small_limit(configured_app) -> tuple[Flask, Any, Person, int]:
    """An exchange taking files of at most a quarter of a megabyte, with a vendor's draft."""
    app = configured_app(UPLOAD_MAX_BYTES=LIMIT)
    client = english_client(app)
    vendor = person(app, [Role.VENDOR])
    return app, client, vendor, create_product(client, vendor.headers, with_file=False)["id"]


LIMIT = 256 * 1024


def padded(size: int) -> bytes:
    """The copper CSV grown with repeated rows to exactly size bytes."""
    row = b"2026-10-12,72010.00,117920,13612345671\n"
    content = COPPER_CSV + row * ((size - len(COPPER_CSV)) // len(row))
    return content + b" " * (size - len(content) - 1) + b"\n"


def test_file_at_the_limit_is_accepted(small_limit):
    app, client, vendor, product_id = small_limit
    assert latest(upload(client, vendor.headers, product_id, padded(LIMIT)))["size_bytes"] == LIMIT


# Just over is refused while the file streams in; far over (past the room left for the form
# around the file), before the body is read at all. Both stay under the 500 KiB the test client
# keeps in memory: a larger body goes to a temporary file nobody closes.
@pytest.mark.parametrize("size", [LIMIT + 1, LIMIT + 128 * 1024], ids=["just-over", "far-over"])
def test_file_over_the_limit_is_refused_and_nothing_is_stored(small_limit, size):
    app, client, vendor, product_id = small_limit
    before = catalog_state(app)
    response = upload(client, vendor.headers, product_id, padded(size))
    body = assert_problem(response, 413)
    assert body["errors"] == {"file": ["The file is larger than the 0.25 MB allowed."]}
    assert catalog_state(app) == before
