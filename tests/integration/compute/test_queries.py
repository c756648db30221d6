"""Aggregates over real encrypted uploads, run in the sandbox process, in every stored format."""

from __future__ import annotations

import io
import json

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from exchange.catalog.domain import FileFormat
from exchange.catalog.ingest.readers import open_table
from exchange.compute.domain import GROUP_SIZE, Aggregate, ComputePolicy
from exchange.compute.sandbox import QueryFailed
from exchange.storage import CipherMode
from tests.integration.compute.conftest import CITY_OUTPUTS, CITY_SQL, FIELDS, POLICY, checked

ROWS = [
    ("北京", "1.5", "10", "a"),
    ("北京", "2.5", "20", "b"),
    ("上海", "1,000.25", "5", "c"),
    ("上海", "3", "7", "d"),
    ("北京", "4", "1", "e"),
    ("广州", "9", "9", "f"),
]
HEADER = ("city", "amount", "visits", "secret")
# 广州 has one row, under k = 2: the release drops it.
EXPECTED = (("上海", 2, 1003.25, 12), ("北京", 3, 8.0, 31))


def csv_bytes(delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    def cell(value: str) -> str:
        return f'"{value}"' if delimiter in value else value

    lines = [delimiter.join(cell(value) for value in row) for row in (HEADER, *ROWS)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def parquet_bytes() -> bytes:
    table = pa.table(
        {
            "city": [row[0] for row in ROWS],
            "amount": [float(row[1].replace(",", "")) for row in ROWS],
            "visits": [int(row[2]) for row in ROWS],
            "secret": [row[3] for row in ROWS],
        }
    )
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def run(sandbox, stored, file_format, sql=CITY_SQL, outputs=CITY_OUTPUTS, **options):
    return sandbox.run_query(
        stored.sealed(),
        data_key=stored.data_key,
        mode=stored.mode,
        file_format=file_format,
        fields=FIELDS,
        query=checked(sql, outputs),
        policy=options.pop("policy", POLICY),
        **options,
    )


def test_csv_upload_gives_the_groups_aggregates(sandbox, upload):
    result = run(sandbox, upload(csv_bytes()), "csv")
    assert result.released.columns == ("city", "n", "total", "visits")
    assert result.released.rows == EXPECTED
    assert result.released.suppressed == 1


def test_parquet_upload_under_sm4_gives_the_same_aggregates(sandbox, upload):
    result = run(sandbox, upload(parquet_bytes(), CipherMode.SM4_GCM), "parquet")
    assert result.released.rows == EXPECTED


@pytest.mark.parametrize(
    ("delimiter", "encoding"), [("\t", "gb18030"), (";", "utf-8-sig"), ("|", "utf-8")]
)
def test_csv_in_each_encoding_and_delimiter_reads_alike(sandbox, upload, delimiter, encoding):
    result = run(sandbox, upload(csv_bytes(delimiter, encoding)), "csv")
    assert result.released.rows == EXPECTED


def test_json_upload_reads_through_the_catalogs_reader(sandbox, upload):
    items = [dict(zip(HEADER, row, strict=True)) for row in ROWS]
    content = json.dumps({"data": items}, ensure_ascii=False).encode()
    assert run(sandbox, upload(content), "json").released.rows == EXPECTED


def test_xlsx_upload_reads_through_the_catalogs_reader(sandbox, upload):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for city, amount, visits, secret in ROWS:
        sheet.append([city, float(amount.replace(",", "")), int(visits), secret])
    out = io.BytesIO()
    workbook.save(out)
    assert run(sandbox, upload(out.getvalue()), "xlsx").released.rows == EXPECTED


def test_a_column_the_policy_hides_is_not_in_the_table(sandbox, upload):
    sql = f"SELECT secret, COUNT(*) AS n, COUNT(*) AS {GROUP_SIZE} FROM data GROUP BY secret"
    with pytest.raises(QueryFailed):
        run(sandbox, upload(parquet_bytes()), "parquet", sql, [("secret", None)])


def test_the_buyers_table_joins_as_mine(sandbox, upload):
    policy = ComputePolicy(POLICY.columns, min_group_size=2, max_rows=100, allow_join=True)
    sql = (
        f"SELECT m.region, COUNT(*) AS n, COUNT(*) AS {GROUP_SIZE}"
        " FROM data d JOIN mine m ON d.city = m.city GROUP BY m.region ORDER BY m.region"
    )
    buyer = {
        "fields": [{"name": "city", "type": "string"}, {"name": "region", "type": "string"}],
        "rows": [["北京", "north"], ["上海", "east"], ["广州", "south"]],
    }
    result = run(
        sandbox,
        upload(csv_bytes()),
        "csv",
        sql,
        [("region", None), ("n", Aggregate.COUNT)],
        policy=policy,
        buyer_table=buyer,
    )
    assert result.released.rows == (("east", 2), ("north", 3))


def test_open_sealed_gives_the_stored_ciphertext_not_the_data(upload):
    stored = upload(csv_bytes())
    sealed = b"".join(stored.sealed())
    assert sealed.startswith(b"GSX1")
    assert "北京".encode() not in sealed
    assert sealed == (stored.store.root / stored.key).read_bytes()


@pytest.mark.parametrize("leading", ["", "\r\n\r\n"])
def test_a_csv_counts_the_rows_the_catalog_reads(sandbox, upload, tmp_path, leading):
    content = (
        f"{leading} city ,amount,visits,secret\r\n"
        '北京,1.5,10,"two\r\nlines"\r\n'
        "\r\n"
        ",,,\r\n"
        ",2,3,x\r\n"
        "上海,1e3,7\r\n"
        "上海,n/a,,y\r\n"
    ).encode()
    path = tmp_path / "same.csv"
    path.write_bytes(content)
    with open_table(path, FileFormat.CSV) as table:
        rows = list(table)
    sql = (
        f"SELECT COUNT(*) AS n, COUNT(city) AS cities, COUNT(amount) AS amounts,"
        f" SUM(visits) AS visits, COUNT(*) AS {GROUP_SIZE} FROM data"
    )
    outputs = [(name, Aggregate.COUNT) for name in ("n", "cities", "amounts", "visits")]
    released = run(sandbox, upload(content), "csv", sql, outputs).released
    assert len(rows) == 4
    assert released.rows == ((4, 3, 3, 20),)
