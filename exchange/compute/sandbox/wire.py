"""What crosses the pipe between the web process and the sandbox: a length-prefixed JSON header
(then the sealed bytes), and one JSON report back; shared by both sides so they cannot drift."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import math
import struct
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, BinaryIO, TypedDict

from exchange.compute.domain import (
    Aggregate,
    CheckedQuery,
    ColumnRule,
    ColumnUse,
    ComputePolicy,
    OutputColumn,
    OutputRole,
    Released,
)

MiB = 1024 * 1024
GiB = 1024 * MiB
PREFIX = struct.Struct(">Q")
MAX_HEADER_BYTES = 64 * MiB  # the buyer's table rides in the header


@dataclass(frozen=True)
class SandboxLimits:
    """What one run may use; the parent enforces time and output, the kernel the rest."""

    seconds: float = 30.0  # wall clock from start to report; the process group is then killed
    cpu_seconds: int = 60  # RLIMIT_CPU
    memory_bytes: int = 2 * GiB  # RLIMIT_AS; DuckDB gets half as its memory_limit
    threads: int = 2
    max_file_bytes: int = GiB  # RLIMIT_FSIZE while the decrypted file is written, then 0
    max_open_files: int = 64  # RLIMIT_NOFILE
    max_output_bytes: int = 4 * MiB  # the report read back
    max_buyer_rows: int = 100_000

    @property
    def duckdb_memory_bytes(self) -> int:
        """DuckDB's own limit, well under the address space so it fails first, and cleanly."""
        return self.memory_bytes // 2


class FieldSpec(TypedDict):
    """A column as the catalog declared it: its name and FieldType value."""

    name: str
    type: str


class BuyerTable(TypedDict):
    """The buyer's own rows, joined as BUYER_TABLE: plain JSON values, typed by its fields."""

    fields: list[FieldSpec]
    rows: list[list[object]]


@dataclass(frozen=True)
class Job:
    """Everything the child needs besides the sealed bytes, which follow the header.

    `entry` is where the prepared data lies (`entry_ready`: then no bytes follow and no data
    key is sent) or is to be kept for later runs; None to prepare it for this run alone."""

    query: CheckedQuery
    policy: ComputePolicy
    data_key: bytes
    mode: str
    file_format: str
    fields: tuple[FieldSpec, ...]
    limits: SandboxLimits
    buyer_table: BuyerTable | None = None
    entry: str | None = None
    entry_ready: bool = False


def write_job(stream: IO[bytes], job: Job) -> None:
    """Write the header: its length as 8 bytes, then the JSON."""
    body = json.dumps(
        {
            "query": dataclasses.asdict(job.query),
            "policy": dataclasses.asdict(job.policy),
            "data_key": base64.b64encode(job.data_key).decode("ascii"),
            "mode": job.mode,
            "file_format": job.file_format,
            "fields": list(job.fields),
            "limits": dataclasses.asdict(job.limits),
            "buyer_table": job.buyer_table,
            "entry": job.entry,
            "entry_ready": job.entry_ready,
        },
        default=plain,
        allow_nan=False,
    ).encode()
    stream.write(PREFIX.pack(len(body)) + body)


def read_job(stream: BinaryIO) -> Job | None:
    """The header, or None when the stream ends before one (the parent went away)."""
    prefix = stream.read(PREFIX.size)
    if len(prefix) < PREFIX.size:
        return None
    (size,) = PREFIX.unpack(prefix)
    if size > MAX_HEADER_BYTES:
        raise ValueError("header too large")
    body = stream.read(size)
    if len(body) < size:
        return None
    data = json.loads(body)
    return Job(
        query=_query(data["query"]),
        policy=_policy(data["policy"]),
        data_key=base64.b64decode(data["data_key"]),
        mode=str(data["mode"]),
        file_format=str(data["file_format"]),
        fields=tuple(FieldSpec(name=str(f["name"]), type=str(f["type"])) for f in data["fields"]),
        limits=SandboxLimits(**data["limits"]),
        buyer_table=data["buyer_table"],
        entry=str(data["entry"]) if data["entry"] is not None else None,
        entry_ready=data["entry_ready"] is True,
    )


def _query(data: Mapping[str, Any]) -> CheckedQuery:
    outputs = tuple(
        OutputColumn(
            name=column["name"],
            role=OutputRole(column["role"]),
            aggregate=Aggregate(column["aggregate"]) if column["aggregate"] else None,
            source=column["source"],
        )
        for column in data["outputs"]
    )
    # Every other field (limit, offset, row_cap, ...) is a plain value and crosses as it is.
    return CheckedQuery(
        **{
            **data,
            "outputs": outputs,
            "hidden": tuple(data["hidden"]),
            "group_by": tuple(data["group_by"]),
        }
    )


def _policy(data: Mapping[str, Any]) -> ComputePolicy:
    columns = tuple(
        ColumnRule(rule["name"], ColumnUse(rule["use"]), rule["lower"], rule["upper"])
        for rule in data["columns"]
    )
    return ComputePolicy(**{**data, "columns": columns})


def plain(value: object) -> object:
    """A DuckDB value as JSON can carry it: exact decimals and times as text, NaN as null."""
    if isinstance(value, Decimal):
        return None if not value.is_finite() else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


def released_report(released: Released) -> bytes:
    """The child's report of a successful run."""
    return _report(
        {
            "ok": True,
            "columns": list(released.columns),
            "rows": [[plain(value) for value in row] for row in released.rows],
            "suppressed": released.suppressed,
            "epsilon_spent": released.epsilon_spent,
        }
    )


def failure_report(kind: str, detail: str, cause: str | None = None) -> bytes:
    """The child's report of a failure: a kind, a key into DETAILS, and its cause for the log
    (an exception's class name, or the code of the release's refusal), never a message."""
    return _report({"ok": False, "kind": kind, "detail": detail, "cause": cause})


def _report(data: Mapping[str, object]) -> bytes:
    return json.dumps(data, allow_nan=False, ensure_ascii=False).encode()


@dataclass(frozen=True)
class Report:
    """The child's report as the parent reads it: a release, or a failure's kind and detail."""

    released: Released | None
    kind: str | None = None
    detail: str | None = None
    cause: str | None = None


def read_report(body: bytes) -> Report:
    """Parse the child's report; ValueError if it is not one."""
    data = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError("report is not an object")
    if data.get("ok") is True:
        released = Released(
            columns=tuple(str(name) for name in data["columns"]),
            rows=tuple(tuple(row) for row in data["rows"]),
            suppressed=int(data["suppressed"]),
            epsilon_spent=float(data["epsilon_spent"]),
        )
        return Report(released)
    cause = data.get("cause")
    return Report(None, str(data["kind"]), str(data["detail"]), str(cause) if cause else None)


def licensed_fields(fields: Sequence[FieldSpec], policy: ComputePolicy) -> list[FieldSpec]:
    """The fields the policy does not hide: the only columns a run's data holds."""
    return [field for field in fields if policy.use_of(field["name"]) != ColumnUse.HIDDEN]


def field_specs(fields: Sequence[Mapping[str, object]]) -> tuple[FieldSpec, ...]:
    """The name and type of each catalog field (a VersionField carries more; only these cross)."""
    return tuple(FieldSpec(name=str(field["name"]), type=str(field["type"])) for field in fields)
