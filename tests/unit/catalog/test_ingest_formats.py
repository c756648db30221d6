"""Upload names and formats: unsafe names refused, the extension decides, the bytes must agree."""

from __future__ import annotations

import io
import zipfile

import pytest

from exchange.catalog.domain import FileFormat
from exchange.catalog.ingest.formats import (
    ContentMismatch,
    IngestError,
    UnreadableFile,
    UnsafeFilename,
    UnsupportedFormat,
    detect_format,
    safe_filename,
    text_encoding,
)

CSV_TEXT = "日期,铜价(元/吨)\n2024-05-01,70100\n"


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name", ["../x.csv", "a/b.csv", "C:\\x.csv", "C:x.csv", "..", ".", "", "   ", "a\x00.csv"]
)
def test_unsafe_filename_is_refused(name):
    with pytest.raises(UnsafeFilename):
        safe_filename(name)


@pytest.mark.parametrize("name", ["a\tb.csv", "a\nb.csv", "a\u202eb.csv"])
def test_filename_with_control_characters_is_refused(name):
    with pytest.raises(UnsafeFilename, match="control characters"):
        safe_filename(name)


def test_filename_longer_than_200_characters_is_refused():
    with pytest.raises(UnsafeFilename) as caught:
        safe_filename("a" * 197 + ".csv")
    assert caught.value.params == {"limit": 200}


def test_safe_filename_returns_the_name_stripped():
    assert safe_filename("  2024年铜价 日报.csv \n") == "2024年铜价 日报.csv"


def test_filename_of_exactly_200_characters_is_kept():
    name = "a" * 196 + ".csv"
    assert safe_filename(name) == name


@pytest.mark.parametrize("name", ["tool.exe", "notes.txt", "data.csv.zip"])
def test_unknown_extension_is_unsupported(name):
    with pytest.raises(UnsupportedFormat) as caught:
        detect_format(name, b"a,b\n")
    assert caught.value.params == {"extension": name.rsplit(".", 1)[1]}


@pytest.mark.parametrize("name", ["README", ".csv"])
def test_name_without_extension_is_unsupported(name):
    with pytest.raises(UnsupportedFormat, match="no extension"):
        detect_format(name, b"a,b\n")


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("prices.csv", CSV_TEXT.encode(), FileFormat.CSV),
        ("PRICES.CSV", CSV_TEXT.encode("utf-8-sig"), FileFormat.CSV),
        ("prices.csv", CSV_TEXT.encode("gb18030"), FileFormat.CSV),
        ("prices.xlsx", zip_bytes(), FileFormat.XLSX),
        ("prices.json", b'[{"a": 1}]', FileFormat.JSON),
        ("prices.Json", b'\xef\xbb\xbf \n {"data": []}', FileFormat.JSON),
        ("prices.parquet", b"PAR1\x15\x04", FileFormat.PARQUET),
    ],
)
def test_matching_extension_and_content_give_the_format(name, head, expected):
    assert detect_format(name, head) is expected


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("zip.csv", zip_bytes()),
        ("parquet.csv", b"PAR1\x15\x04\x15"),
        ("json.csv", b'[{"a": 1}]'),
        ("binary.csv", b"a,b\n\x00\x01\x02"),
        ("latin1.csv", "caf\xe9,na\xefve\n".encode("latin-1") + b"\xff\xff"),
        ("text.xlsx", CSV_TEXT.encode()),
        ("csv.json", CSV_TEXT.encode()),
        ("text.parquet", CSV_TEXT.encode()),
        ("zip.parquet", zip_bytes()),
    ],
)
def test_content_that_disagrees_with_the_extension_is_a_mismatch(name, head):
    with pytest.raises(ContentMismatch) as caught:
        detect_format(name, head)
    assert caught.value.params == {"extension": name.rsplit(".", 1)[1]}


def test_empty_file_is_unreadable():
    with pytest.raises(UnreadableFile, match="empty"):
        detect_format("prices.csv", b"")


def test_error_carries_its_message_and_params_for_translation():
    with pytest.raises(IngestError) as caught:
        detect_format("x.exe", b"MZ")
    assert caught.value.message == (
        "Files of type %(extension)s are not accepted; upload CSV, XLSX, JSON or Parquet"
    )
    assert str(caught.value) == (
        "Files of type exe are not accepted; upload CSV, XLSX, JSON or Parquet"
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (CSV_TEXT.encode(), "utf-8-sig"),
        (CSV_TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (CSV_TEXT.encode("gb18030"), "gb18030"),
        (b"plain,ascii\n1,2\n", "utf-8-sig"),
    ],
)
def test_text_encoding_tells_utf8_from_gb18030(data, expected):
    assert text_encoding(data) == expected


def test_head_cut_inside_a_character_still_reads_as_utf8():
    data = CSV_TEXT.encode()
    cut = data[: data.index("铜".encode()) + 1]
    assert text_encoding(cut) == "utf-8-sig"
