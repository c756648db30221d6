"""SQL that never passed the checker, run straight in the sandbox: nothing leaves, nothing is
written, no setting moves."""

from __future__ import annotations

from pathlib import Path

import pytest

from exchange.compute.sandbox import QueryFailed, SandboxLimits
from tests.integration.compute.conftest import FIELDS, POLICY, hostile

CSV = "city,amount,visits,secret\n北京,1.5,10,a\n北京,2.5,20,b\n"


def escapes(target: Path) -> list[str]:
    """Each tries to read, write, fetch or unlock something; a write would land in `target`."""
    return [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/proc/self/environ')",
        "SELECT * FROM read_blob('/proc/self/cmdline')",
        "SELECT * FROM glob('/*')",
        "SELECT * FROM '/etc/hostname'",
        "SELECT * FROM read_parquet('https://example.com/x.parquet')",
        f"COPY data TO '{target / 'copy.csv'}'",
        f"COPY (SELECT 1) TO '{target / 'select.csv'}'",
        f"ATTACH '{target / 'attached.db'}'",
        f"EXPORT DATABASE '{target / 'exported'}'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "RESET lock_configuration",
        f"SET temp_directory = '{target / 'spill'}'",
        "CREATE TABLE t AS SELECT * FROM data",
        f"CREATE TABLE t AS SELECT * FROM data; COPY t TO '{target / 'two.csv'}'",
        "SELECT 1 AS n; SELECT 2 AS n",
    ]


# Only the child's one-SELECT check refuses these: an in-memory table, two plain SELECTs.
HARMLESS_IN_MEMORY = {"CREATE TABLE t AS SELECT * FROM data", "SELECT 1 AS n; SELECT 2 AS n"}


@pytest.fixture
def stored(upload):
    return upload(CSV.encode())


def test_every_escape_fails_in_the_sandbox_and_leaves_no_file(sandbox, stored, tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    for sql in escapes(target):
        with pytest.raises(QueryFailed):
            sandbox.run_query(
                stored.sealed(),
                data_key=stored.data_key,
                mode=stored.mode,
                file_format="csv",
                fields=FIELDS,
                query=hostile(sql),
                policy=POLICY,
            )
    assert list(target.iterdir()) == []


def test_the_locked_database_itself_refuses_every_escape(tmp_path):
    """The second wall: DuckDB's locked settings, without the child's one-SELECT check."""
    # Imported here, after conftest's gc.freeze(): objects DuckDB made before it are never
    # freed, and nanobind reports them as leaks when the worker exits.
    import duckdb

    from exchange.compute.sandbox.child import connect, lock

    con = connect(SandboxLimits())
    con.execute("CREATE TABLE data AS SELECT 1 AS x")
    lock(con)
    attempts = [sql for sql in escapes(tmp_path) if sql not in HARMLESS_IN_MEMORY]
    refused = []
    for sql in attempts:
        try:
            con.execute(sql)
        except duckdb.Error:
            refused.append(sql)
    assert refused == attempts
    assert list(tmp_path.iterdir()) == []
    settings = dict(
        con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN"
            " ('enable_external_access', 'lock_configuration', 'autoload_known_extensions',"
            " 'autoinstall_known_extensions', 'temp_directory')"
        ).fetchall()
    )
    con.close()
    assert settings == {
        "enable_external_access": "false",
        "lock_configuration": "true",
        "autoload_known_extensions": "false",
        "autoinstall_known_extensions": "false",
        "temp_directory": "",
    }
