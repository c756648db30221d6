"""Prepared data kept between runs, so a product's next query skips the pipe, the decryption and
the load; parent side: it names, pins and evicts entries and never opens one.

An entry is a Parquet file of one version's licensed columns only, written by a child into this
process's private 0700 folder (see loading.load_data); later children read it through a view
that DuckDB may read and nothing else. The folder is this process's alone (a forked worker makes
its own), bounded in bytes, and removed on close; the folder of a process that died without
closing is removed by the next cache to make one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from exchange.compute.domain import ComputePolicy
from exchange.compute.sandbox.wire import FieldSpec, licensed_fields

PREFIX = "ganshu-cache-"  # then the owner's pid, "-", and mkdtemp's random part
SUFFIX = ".parquet"
PARTIAL = ".part"  # a child writes `<entry>.<pid>.part`, then renames it into place


@dataclass(frozen=True)
class Entry:
    """Where a run's prepared data lies or is to be written, and whether it is already there."""

    path: Path
    ready: bool


class DataCache:
    """Entries of licensed columns, keyed by version, data key, fields and licence."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._folder: Path | None = None
        self._owner = 0
        self._pinned: dict[str, int] = {}

    @property
    def folder(self) -> Path | None:
        """This process's folder of entries, if it made one."""
        return self._folder if self._owner == os.getpid() else None

    @contextlib.contextmanager
    def pinned(
        self,
        key: str,
        *,
        data_key: bytes,
        mode: str,
        file_format: str,
        fields: Sequence[FieldSpec],
        policy: ComputePolicy,
    ) -> Iterator[Entry]:
        """The run's entry, kept from eviction until the run is over."""
        name = _name(key, data_key, mode, file_format, fields, policy)
        with self._lock:
            path = self._own_folder() / name
            self._pinned[name] = self._pinned.get(name, 0) + 1
            ready = path.is_file()
            if ready:
                os.utime(path)  # its last use, which eviction goes by
        try:
            yield Entry(path, ready)
        finally:
            with self._lock:
                self._pinned[name] -= 1
                if not self._pinned[name]:
                    del self._pinned[name]
            self.evict()

    def evict(self) -> None:
        """Remove the least recently used entries past the budget, and unfinished writes left
        by a child that was stopped; never one a run holds."""
        with self._lock:
            folder = self.folder
            if folder is None:
                return
            kept: list[tuple[float, int, Path]] = []
            for path in folder.iterdir():
                if _entry_name(path.name) in self._pinned:
                    continue
                if not path.name.endswith(SUFFIX):
                    path.unlink(missing_ok=True)
                    continue
                with contextlib.suppress(FileNotFoundError):
                    info = path.stat()
                    kept.append((info.st_mtime, info.st_size, path))
            total = sum(size for _, size, _ in kept) + self._pinned_bytes(folder)
            for _, size, path in sorted(kept):
                if total <= self.max_bytes:
                    break
                path.unlink(missing_ok=True)
                total -= size

    def close(self) -> None:
        """Remove every entry and the folder (this process's only)."""
        with self._lock:
            folder = self.folder
            self._folder = None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def _own_folder(self) -> Path:
        if self._folder is None or self._owner != os.getpid():
            remove_orphans()
            self._folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
            self._owner = os.getpid()
        return self._folder

    def _pinned_bytes(self, folder: Path) -> int:
        total = 0
        for name in self._pinned:
            with contextlib.suppress(FileNotFoundError):
                total += (folder / name).stat().st_size
        return total


def remove_orphans() -> None:
    """Remove the folders of caches whose process is gone (killed before it could close)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        owner = folder.name.removeprefix(PREFIX).split("-", 1)[0]
        with contextlib.suppress(OSError):
            if owner.isdigit() and not _alive(int(owner)) and folder.stat().st_uid == os.getuid():
                shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def _name(
    key: str,
    data_key: bytes,
    mode: str,
    file_format: str,
    fields: Sequence[FieldSpec],
    policy: ComputePolicy,
) -> str:
    """The entry's file name: a digest of everything that shapes its content, the data key too,
    so a run under another key cannot read what the right key prepared."""
    licensed = [field["name"] for field in licensed_fields(fields, policy)]
    identity = json.dumps([key, mode, file_format, list(fields), licensed]).encode()
    return hashlib.sha256(data_key + b"\0" + identity).hexdigest() + SUFFIX


def _entry_name(name: str) -> str:
    """The entry a file in the folder belongs to: itself, or the one its partial write is for."""
    return name.split(".", 1)[0] + SUFFIX
