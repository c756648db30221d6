"""The licensed columns a run prepared are kept for the next run of the same version, data key
and licence, which reads them without the sealed bytes; kept within a budget, removed on close,
or by the next cache when their process died first."""

from __future__ import annotations

import subprocess
import sys
import tempfile

import pytest

from exchange.compute.checker import check
from exchange.compute.domain import ColumnRule, ColumnUse, ComputePolicy
from exchange.compute.sandbox import QueryFailed, Sandbox, SandboxLimits
from tests.integration.compute.conftest import FIELDS, POLICY
from tests.integration.compute.test_checked import BUYER, JOINING
from tests.integration.compute.test_queries import csv_bytes, parquet_bytes

BY_CITY = "SELECT city, COUNT(*) AS n, SUM(visits) AS v FROM data GROUP BY city ORDER BY city"
EXPECTED = (("上海", 2, 12), ("北京", 3, 31))
JOIN = (
    "SELECT m.region, COUNT(*) AS n FROM data d JOIN mine m ON d.city = m.city"
    " GROUP BY m.region ORDER BY m.region"
)
NOTHING: tuple[bytes, ...] = ()  # no sealed bytes at all


@pytest.fixture
def kept():
    sandbox = Sandbox()
    yield sandbox
    sandbox.close()


def run(
    sandbox,
    stored,
    file_format,
    *,
    sealed=None,
    data_key=None,
    policy=POLICY,
    text=BY_CITY,
    limits=None,
):
    joins = text == JOIN
    return sandbox.run_query(
        stored.sealed() if sealed is None else sealed,
        data_key=data_key or stored.data_key,
        mode=stored.mode,
        file_format=file_format,
        fields=FIELDS,
        query=check(text, policy, buyer_columns=["city", "region"] if joins else ()),
        policy=policy,
        buyer_table=BUYER if joins else None,
        cache_key=stored.key,
        limits=limits,
    ).released


@pytest.mark.parametrize(("file_format", "content"), [("csv", csv_bytes()), ("parquet", None)])
def test_a_second_run_reads_the_kept_columns_without_the_sealed_bytes(
    kept, upload, file_format, content
):
    stored = upload(content or parquet_bytes())
    assert run(kept, stored, file_format).rows == EXPECTED
    assert run(kept, stored, file_format, sealed=NOTHING).rows == EXPECTED
    assert kept.cache is not None and kept.cache.folder is not None
    assert len(list(kept.cache.folder.iterdir())) == 1


def test_a_join_reads_the_kept_columns_as_a_table_of_the_datas_rows(kept, upload):
    stored = upload(parquet_bytes())
    assert run(kept, stored, "parquet").rows == EXPECTED  # keeps the columns
    joined = run(kept, stored, "parquet", sealed=NOTHING, policy=JOINING, text=JOIN)
    assert joined.rows == (("east", 2), ("north", 6))
    assert joined.suppressed == 1


def test_another_data_key_or_licence_is_not_served_what_was_kept(kept, upload):
    stored = upload(parquet_bytes())
    assert run(kept, stored, "parquet").rows == EXPECTED
    with pytest.raises(QueryFailed):  # prepared again, and the wrong key fails to decrypt
        run(kept, stored, "parquet", data_key=bytes(len(stored.data_key)))
    fewer = ComputePolicy(
        (ColumnRule("city", ColumnUse.GROUP), ColumnRule("visits", ColumnUse.AGGREGATE)),
        min_group_size=2,
        max_rows=100,
    )
    with pytest.raises(QueryFailed):  # another licence: nothing kept for it, and no bytes
        run(kept, stored, "parquet", sealed=NOTHING, policy=fewer)
    assert run(kept, stored, "parquet", policy=fewer).rows == EXPECTED
    assert kept.cache is not None and kept.cache.folder is not None
    assert len(list(kept.cache.folder.iterdir())) == 2


def test_a_table_too_large_to_keep_still_runs_and_is_loaded_again_next_time(kept, upload):
    stored = upload(csv_bytes())
    tight = SandboxLimits(max_file_bytes=len(csv_bytes()) + 10)  # a Parquet copy is larger
    assert run(kept, stored, "csv", limits=tight).rows == EXPECTED
    assert kept.cache is not None and kept.cache.folder is not None
    assert list(kept.cache.folder.iterdir()) == []
    with pytest.raises(QueryFailed):
        run(kept, stored, "csv", sealed=NOTHING)


def test_kept_columns_past_the_budget_are_evicted_and_all_removed_on_close(upload):
    small = Sandbox(cache_bytes=1)
    try:
        stored = upload(parquet_bytes())
        assert run(small, stored, "parquet").rows == EXPECTED
        assert small.cache is not None and small.cache.folder is not None
        assert list(small.cache.folder.iterdir()) == []  # evicted once the run let go of it
        with pytest.raises(QueryFailed):
            run(small, stored, "parquet", sealed=NOTHING)
    finally:
        small.close()
    roomy = Sandbox()
    run(roomy, upload(parquet_bytes()), "parquet")
    assert roomy.cache is not None
    folder = roomy.cache.folder
    assert folder is not None and len(list(folder.iterdir())) == 1
    roomy.close()
    assert not folder.exists()


def test_the_folder_of_a_process_that_died_is_removed_by_the_next_cache(
    upload, monkeypatch, tmp_path
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    orphan = tmp_path / f"ganshu-cache-{gone.stdout.strip()}-abc"
    living = tmp_path / "ganshu-cache-1-abc"  # pid 1 is alive
    for folder in (orphan, living):
        folder.mkdir()
        (folder / "entry.parquet").write_bytes(b"plaintext")
    sandbox = Sandbox()
    try:
        assert run(sandbox, upload(parquet_bytes()), "parquet").rows == EXPECTED
        assert not orphan.exists()
        assert (living / "entry.parquet").exists()
    finally:
        sandbox.close()
