"""The demo catalog: enough vendors and listed products, valid identities, and real files."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from functools import cache

import openpyxl
import pyarrow.parquet as pq
import pytest

from demo import DEMO_PRODUCTS, DEMO_VENDORS, DemoProduct, generate_file
from demo.files import FIXED_TIME
from demo.specs import Day, Period, Walk
from demo.synthetic import Table, build_table
from exchange.accounts.credit_code import check_character, credit_code_problem
from exchange.catalog.domain import FileFormat, Grade, ListingStatus
from exchange.kernel.vocabulary import REGIONS

BOARDS = {
    "nonferrous", "lithium", "steel", "chemicals", "textiles", "energy", "electronics",
    "photovoltaics", "equipment", "biomedicine", "aviation", "furniture", "apparel",
    "petrochemicals", "agriculture", "finance", "commerce", "logistics", "government",
    "education", "health", "water", "transport", "power",
}  # fmt: skip
OTHER_DEMO_CREDIT_CODES = {
    "91360100MA35GK01X8", "11360000MB1700502Q", "91360500MA36LY038Y", "91360700MA39XT046L",
}  # fmt: skip
LISTED = [p for p in DEMO_PRODUCTS if p.status is ListingStatus.LISTED]
VERSIONS = [(p, v) for p in DEMO_PRODUCTS for v in range(1, p.versions + 1)]
VERSION_IDS = [f"{p.key}-v{v}" for p, v in VERSIONS]
PRODUCTS = {p.key: p for p in DEMO_PRODUCTS}

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
MOBILE = re.compile(r"1[3-9]\d{9}")
EMAIL = re.compile(r"[a-z0-9._-]+@[a-z0-9-]+(\.[a-z0-9-]+)+")
CHINESE_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")


@cache
def file_of(key: str, version: int) -> tuple[str, bytes]:
    return generate_file(PRODUCTS[key], version)


@cache
def parsed(key: str, version: int) -> tuple[list[str], list[list[object]]]:
    return parse(PRODUCTS[key], file_of(key, version)[1])


@cache
def table_of(key: str, version: int) -> Table:
    return build_table(PRODUCTS[key], version)


def parse(product: DemoProduct, content: bytes) -> tuple[list[str], list[list[object]]]:
    """Header and rows of a generated file, read back with the format's own reader."""
    if product.file_format is FileFormat.CSV:
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
        return rows[0], [list(row) for row in rows[1:]]
    if product.file_format is FileFormat.XLSX:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        sheet_rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        workbook.close()
        return [str(name) for name in sheet_rows[0]], sheet_rows[1:]
    if product.file_format is FileFormat.JSON:
        records = json.loads(content.decode("utf-8"))
        assert isinstance(records, list) and all(isinstance(r, dict) for r in records)
        return list(records[0]), [list(record.values()) for record in records]
    table = pq.read_table(io.BytesIO(content))
    return table.column_names, [list(row.values()) for row in table.to_pylist()]


def is_mainland_id(value: str) -> bool:
    """GB 11643: 17 digits with a valid birth date, then an ISO 7064 MOD 11-2 check character."""
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    try:
        datetime.strptime(value[6:14], "%Y%m%d")
    except ValueError:
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == value[17]


def passes_luhn(value: str) -> bool:
    if not re.fullmatch(r"\d{16,19}", value):
        return False
    digits = [int(d) for d in reversed(value)]
    doubled = [d * 2 - 9 if d * 2 > 9 else d * 2 for d in digits[1::2]]
    return (sum(digits[::2]) + sum(doubled)) % 10 == 0


def looks_personal(value: str) -> bool:
    return (
        is_mainland_id(value)
        or passes_luhn(value)
        or bool(MOBILE.fullmatch(value))
        or bool(EMAIL.fullmatch(value))
        or bool(CHINESE_NAME.fullmatch(value))
    )


# The checks the tests rely on, against published examples.


def test_id_check_accepts_the_standard_example_and_refuses_a_typo():
    assert is_mainland_id("11010519491231002X")
    assert not is_mainland_id("110105194912310021")


def test_luhn_check_accepts_a_known_card_and_refuses_a_typo():
    assert passes_luhn("4111111111111111")
    assert not passes_luhn("4111111111111112")


# Vendors.


def test_at_least_eleven_vendors_across_eight_cities():
    assert len(DEMO_VENDORS) >= 11
    assert len({v.region for v in DEMO_VENDORS} - {"other"}) >= 8


def test_first_vendor_is_the_existing_yingtan_copper_login():
    first = DEMO_VENDORS[0]
    assert (first.key, first.name_zh, first.name_en) == (
        "yingtan_copper",
        "鹰潭铜业数据科技有限公司（演示）",
        "Yingtan Copper Data Technology Co., Ltd. (demo)",
    )
    assert (first.credit_code, first.region, first.dcmm_level, first.dcmm_certificate_no) == (
        "91360400MA38TB0270",
        "yingtan",
        3,
        "DCMM-2024-36-0318",
    )
    assert (first.contact_name, first.contact_phone, first.contact_email) == (
        "陈立",
        "0701-6200 1188",
        "data@copper.demo.ganshu.cn",
    )
    assert (first.user_email, first.user_display_name) == (
        "vendor@demo.ganshu.cn",
        "陈立（数据商）",
    )


@pytest.mark.parametrize("vendor", DEMO_VENDORS, ids=lambda v: v.key)
def test_vendor_credit_code_is_valid_for_jiangxi(vendor):
    code = vendor.credit_code
    assert credit_code_problem(code) is None
    assert check_character(code[:17]) == code[17]
    assert code[2:4] == "36"


def test_vendor_credit_codes_keys_and_logins_are_unique():
    codes = [v.credit_code for v in DEMO_VENDORS]
    assert len(set(codes)) == len(codes)
    assert not set(codes) & OTHER_DEMO_CREDIT_CODES
    assert len({v.key for v in DEMO_VENDORS}) == len(DEMO_VENDORS)
    assert len({v.user_email for v in DEMO_VENDORS}) == len(DEMO_VENDORS)


@pytest.mark.parametrize("vendor", DEMO_VENDORS, ids=lambda v: v.key)
def test_vendor_is_marked_demo_with_demo_addresses(vendor):
    assert vendor.name_zh.endswith("（演示）")
    assert vendor.name_en.endswith(" (demo)")
    assert vendor.contact_email.endswith(".demo.ganshu.cn")
    assert vendor.user_email.endswith("@demo.ganshu.cn")
    assert vendor.region in REGIONS


def test_vendor_dcmm_levels_spread_and_certificates_match():
    levels = [v.dcmm_level for v in DEMO_VENDORS]
    assert None in levels
    assert len({level for level in levels if level is not None}) >= 4
    for vendor in DEMO_VENDORS:
        assert vendor.dcmm_level is None or 1 <= vendor.dcmm_level <= 5
        assert (vendor.dcmm_level is None) == (vendor.dcmm_certificate_no is None)


# Products: the catalog as a whole.


def test_at_least_sixty_listed_products_on_eight_boards():
    assert len(DEMO_PRODUCTS) >= 64
    assert len(LISTED) >= 60
    assert len({p.board for p in LISTED}) >= 8
    assert len({p.board for p in DEMO_PRODUCTS}) >= 10


def test_product_keys_are_unique():
    assert len(PRODUCTS) == len(DEMO_PRODUCTS)


def test_the_nonferrous_board_leads_the_catalog():
    boards = Counter(p.board for p in DEMO_PRODUCTS)
    assert boards.most_common(1)[0][0] == "nonferrous"
    assert boards["lithium"] >= 6 and boards["steel"] >= 6


def test_review_queues_and_refusals_have_something_to_show():
    statuses = Counter(p.status for p in DEMO_PRODUCTS)
    assert statuses[ListingStatus.SUBMITTED] >= 2
    assert statuses[ListingStatus.IN_REVIEW] >= 1
    # Only important data goes on from the operator to a regulator ("in review").
    assert all(
        p.grade is Grade.IMPORTANT for p in DEMO_PRODUCTS if p.status is ListingStatus.IN_REVIEW
    )
    core = [p for p in DEMO_PRODUCTS if p.grade is Grade.CORE]
    assert core and all(p.status is ListingStatus.DRAFT for p in core)
    assert any(p.grade is Grade.GENERAL and p.status is ListingStatus.DRAFT for p in DEMO_PRODUCTS)
    assert sum(p.grade is Grade.IMPORTANT for p in DEMO_PRODUCTS) >= 5
    assert any(
        p.grade is Grade.IMPORTANT and p.status is ListingStatus.IN_REVIEW for p in DEMO_PRODUCTS
    )


def test_yingtan_copper_cathode_daily_is_listed_as_described():
    product = PRODUCTS["yingtan_copper_cathode_daily"]
    assert (product.vendor, product.board, product.file_format, product.status) == (
        "yingtan_copper",
        "nonferrous",
        FileFormat.CSV,
        ListingStatus.LISTED,
    )
    assert "阴极铜" in product.title_zh
    assert 5 <= sum(p.vendor == "yingtan_copper" for p in DEMO_PRODUCTS) <= 7


@pytest.mark.parametrize(
    "term", ["铜", "碳酸锂", "能耗", "copper", "lithium carbonate", "energy consumption"]
)
def test_search_terms_reach_several_listed_products(term):
    def text(p: DemoProduct) -> str:
        return f"{p.title_zh} {p.summary_zh} {p.title_en} {p.summary_en}".lower()

    assert sum(term in text(p) for p in LISTED) >= 3


# Products: each one's metadata.


@pytest.mark.parametrize("product", DEMO_PRODUCTS, ids=lambda p: p.key)
def test_product_refers_to_a_vendor_board_and_regions_that_exist(product):
    assert product.vendor in {v.key for v in DEMO_VENDORS}
    assert product.board in BOARDS
    assert product.regions and set(product.regions) <= set(REGIONS)


@pytest.mark.parametrize("product", DEMO_PRODUCTS, ids=lambda p: p.key)
def test_product_text_is_bilingual_and_says_it_is_demo_data(product):
    assert "演示数据" in product.description and "synthetic" in product.description
    assert re.search(r"[\u4e00-\u9fff]", product.grade_justification)
    assert any(re.search(r"[\u4e00-\u9fff]", tag) for tag in product.tags)
    assert any(re.fullmatch(r"[A-Za-z0-9 /–-]+", tag) for tag in product.tags)
    assert product.title_zh and product.title_en and product.summary_zh and product.summary_en


@pytest.mark.parametrize("product", DEMO_PRODUCTS, ids=lambda p: p.key)
def test_product_offers_have_positive_prices_in_cents(product):
    assert 1 <= len(product.offers) <= 3
    for offer in product.offers:
        assert isinstance(offer.price, Decimal)
        assert offer.price > 0
        assert offer.price.as_tuple().exponent >= -2
        assert Decimal("100") <= offer.price <= Decimal("500000")
        assert offer.term_months > 0 and offer.seats > 0


@pytest.mark.parametrize("product", DEMO_PRODUCTS, ids=lambda p: p.key)
def test_product_coverage_and_versions_are_sane(product):
    assert product.coverage_start < product.coverage_end <= date(2025, 12, 31)
    assert 1 <= product.versions <= 3
    assert product.accuracy is None or 0 < product.accuracy <= 1
    assert len({f.name for f in product.fields}) == len(product.fields)


def test_some_products_have_versions_and_some_are_not_datasets():
    assert sum(p.versions > 1 for p in DEMO_PRODUCTS) >= 8
    assert {p.product_type for p in DEMO_PRODUCTS} == {"dataset", "api", "report"}
    formats = Counter(p.file_format for p in DEMO_PRODUCTS)
    assert formats[FileFormat.CSV] > formats[FileFormat.XLSX] > 0
    assert formats[FileFormat.JSON] > 0 and 1 <= formats[FileFormat.PARQUET] <= 2


def test_at_least_five_listed_products_carry_personal_columns():
    personal = [p for p in LISTED if any(f.personal for f in p.fields)]
    assert len(personal) >= 5


# Files.


@pytest.mark.parametrize(("product", "version"), VERSIONS, ids=VERSION_IDS)
def test_file_parses_with_the_declared_header_and_a_modest_size(product, version):
    name, content = file_of(product.key, version)
    header, rows = parsed(product.key, version)
    assert name == f"{product.key.replace('_', '-')}-v{version}.{product.file_format.value}"
    assert header == [f.name for f in product.fields]
    assert 100 <= len(rows) <= 1500
    assert all(len(row) == len(header) for row in rows)
    assert len(content) <= 200 * 1024


@pytest.mark.parametrize("product", DEMO_PRODUCTS, ids=lambda p: p.key)
def test_file_is_the_same_bytes_every_time(product):
    assert generate_file(product, product.versions) == file_of(product.key, product.versions)


@pytest.mark.parametrize(
    "product", [p for p in DEMO_PRODUCTS if p.versions > 1], ids=lambda p: p.key
)
def test_later_versions_append_rows_to_earlier_ones(product):
    tables = [table_of(product.key, v) for v in range(1, product.versions + 1)]
    contents = [file_of(product.key, v)[1] for v in range(1, product.versions + 1)]
    assert len(set(contents)) == len(contents)
    for earlier, later in zip(tables, tables[1:], strict=False):
        assert len(later.rows) > len(earlier.rows)
        assert later.rows[: len(earlier.rows)] == earlier.rows


def test_a_version_beyond_the_last_is_refused():
    product = PRODUCTS["yingtan_copper_cathode_daily"]
    with pytest.raises(ValueError, match="versions"):
        generate_file(product, product.versions + 1)


@pytest.mark.parametrize("product", DEMO_PRODUCTS, ids=lambda p: p.key)
def test_dates_fall_within_the_coverage_and_walks_within_their_bounds(product):
    table = table_of(product.key, product.versions)
    for column, field in enumerate(product.fields):
        values = [row[column] for row in table.rows]
        if isinstance(field.values, Period | Day) and isinstance(values[0], date):
            days = [v.date() if isinstance(v, datetime) else v for v in values]
            assert product.coverage_start <= min(days) and max(days) <= product.coverage_end
        if isinstance(field.values, Walk) and not field.values.starts:
            walk = field.values
            assert all(walk.low * 0.999 <= float(v) <= walk.high * 1.001 for v in values)


@pytest.mark.parametrize("product", DEMO_PRODUCTS, ids=lambda p: p.key)
def test_prices_and_quantities_are_positive(product):
    table = table_of(product.key, 1)
    signed = ("涨跌", "价差", "升贴水", "同比", "偏差", "TC", "RC", "工序能耗")
    for column, field in enumerate(product.fields):
        if field.unit and not any(word in field.name for word in signed) and "℃" not in field.unit:
            assert all(float(row[column]) >= 0 for row in table.rows), field.name


@pytest.mark.parametrize(
    ("key", "column", "low", "high"),
    [
        ("yingtan_copper_cathode_daily", "阴极铜现货价(元/吨)", 68_000, 78_000),
        ("yichun_lithium_carbonate_spot", "电池级碳酸锂(元/吨)", 70_000, 110_000),
        ("xinyu_steel_energy_per_tonne", "工序能耗(kgce/t)", -40, 650),
    ],
)
def test_headline_series_stay_in_plausible_ranges(key, column, low, high):
    product = PRODUCTS[key]
    header, rows = parsed(key, product.versions)
    values = [float(str(row[header.index(column)])) for row in rows]
    assert low <= min(values) and max(values) <= high


def test_csv_byte_order_mark_follows_the_product():
    csv_products = [p for p in DEMO_PRODUCTS if p.file_format is FileFormat.CSV]
    assert {p.csv_bom for p in csv_products} == {True, False}
    for product in csv_products:
        assert file_of(product.key, 1)[1].startswith(b"\xef\xbb\xbf") == product.csv_bom


@pytest.mark.parametrize(
    "product", [p for p in DEMO_PRODUCTS if any(f.personal for f in p.fields)], ids=lambda p: p.key
)
def test_personal_columns_hold_values_that_look_personal(product):
    header, rows = parsed(product.key, 1)
    for field in product.fields:
        if field.personal:
            column = header.index(field.name)
            assert all(looks_personal(str(row[column])) for row in rows), field.name


def test_personal_values_include_valid_ids_cards_and_mobiles():
    seen: Counter[str] = Counter()
    for product in LISTED:
        if not any(f.personal for f in product.fields):
            continue
        header, rows = parsed(product.key, 1)
        for field in product.fields:
            if field.personal:
                column = [str(row[header.index(field.name)]) for row in rows]
                seen["id"] += sum(map(is_mainland_id, column))
                seen["card"] += sum(map(passes_luhn, column))
                seen["mobile"] += sum(bool(MOBILE.fullmatch(v)) for v in column)
                seen["email"] += sum(bool(EMAIL.fullmatch(v)) for v in column)
    assert seen["id"] >= 500 and seen["card"] >= 300 and seen["mobile"] >= 500
    assert seen["email"] >= 100


def test_workbooks_record_a_fixed_time_not_the_wall_clock():
    product = next(p for p in DEMO_PRODUCTS if p.file_format is FileFormat.XLSX)
    content = file_of(product.key, 1)[1]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert {entry.date_time for entry in archive.infolist()} == {FIXED_TIME.timetuple()[:6]}
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.properties.modified == workbook.properties.created == FIXED_TIME
