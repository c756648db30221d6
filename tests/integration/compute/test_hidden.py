"""A column the licence hides cannot be read even by SQL that never passed the checker: the one
file the locked database may read holds the licensed columns only, and the decrypted file is
out of reach whether or not it still lies there."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from exchange.compute.domain import GROUP_SIZE
from exchange.compute.sandbox import QueryFailed, Sandbox, SandboxLimits
from exchange.compute.sandbox.wire import field_specs
from tests.integration.compute.conftest import hostile
from tests.integration.compute.test_views import FIELDS, POLICY, ROWS, parquet_bytes

WITH_SECRET = [*FIELDS, {"name": "secret", "type": "string"}]


def count(source: str, column: str = "*") -> str:
    return f"SELECT COUNT({column}) AS n, 5 AS {GROUP_SIZE} FROM {source}"


def run(sandbox, stored, sql):
    return sandbox.run_query(
        stored.sealed(),
        data_key=stored.data_key,
        mode=stored.mode,
        file_format="parquet",
        fields=WITH_SECRET,
        query=hostile(sql),
        policy=POLICY,
        cache_key=stored.key,
    ).released


def test_raw_sql_naming_the_allowed_file_or_the_original_reads_no_hidden_column(upload, caplog):
    stored = upload(parquet_bytes(secret=True))
    sandbox = Sandbox()
    try:
        assert run(sandbox, stored, count("data")).rows == ((len(ROWS),),)  # prepares the entry
        assert sandbox.cache is not None and sandbox.cache.folder is not None
        [entry] = sandbox.cache.folder.iterdir()
        allowed = f"read_parquet('{entry}')"
        assert pq.read_schema(entry).names == [field["name"] for field in FIELDS]
        # the file the view reads can be named, and read: it holds the licensed columns
        assert run(sandbox, stored, count(allowed, "amount")).rows == ((len(ROWS) - 1,),)
        refused = {
            count(allowed, "secret"): "BinderException",
            count(f"{allowed} WHERE secret IS NOT NULL"): "BinderException",
            count("data", "secret"): "BinderException",
            count("read_parquet('data.parquet')", "secret"): "PermissionException",
            count("read_parquet('data.parquet')"): "PermissionException",
            count(f"read_parquet('{entry.parent}/*')"): "PermissionException",
            count(f"read_parquet('{entry}', filename = true)", "secret"): "BinderException",
        }
        for sql, error in refused.items():
            caplog.clear()
            with pytest.raises(QueryFailed):
                run(sandbox, stored, sql)
            assert error in caplog.text, sql
    finally:
        sandbox.close()


def test_the_locked_database_reads_neither_the_original_nor_a_hidden_column(tmp_path):
    """The wall without the child: the data prepared in a folder, the original put back where
    it was decrypted, and the database locked as a run locks it."""
    import duckdb

    from exchange.compute.sandbox.child import connect, lock
    from exchange.compute.sandbox.loading import load_data

    content = parquet_bytes(secret=True)
    con = connect(SandboxLimits())
    fields = field_specs(WITH_SECRET)
    allowed = load_data(con, [content], "parquet", fields, POLICY, tmp_path, as_view=True)
    assert allowed is not None and allowed.parent == tmp_path
    original = tmp_path / "data.parquet"
    assert not original.exists()  # removed once the licensed columns were copied
    original.write_bytes(content)
    lock(con, allowed)
    assert con.execute(count(f"read_parquet('{allowed}')")).fetchone() == (len(ROWS), 5)
    attempts = {
        count(f"read_parquet('{original}')", "secret"): duckdb.PermissionException,
        count(f"read_parquet('{original}')"): duckdb.PermissionException,
        count(f"read_parquet(['{allowed}', '{original}'])"): duckdb.PermissionException,
        count(f"read_parquet('{tmp_path}/*.parquet')"): duckdb.PermissionException,
        count(f"parquet_metadata('{original}')"): duckdb.PermissionException,
        count(f"read_parquet('{allowed}')", "secret"): duckdb.BinderException,
        count("data", "secret"): duckdb.BinderException,
    }
    for sql, error in attempts.items():
        with pytest.raises(error):
            con.execute(sql)
    con.close()
