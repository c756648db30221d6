"""Ingest figures: profiling an uploaded CSV (schema, quality, personal-data detection, masked
sample) against only reading its rows, measured in the same run.

Run: .venv/bin/python bench/ingest.py [--rows 200000] [--repeat 3]
Prints a table and saves bench/results/ingest-<time>.json. The file mixes the columns vendors
upload: dates, prices, quantities, product codes, free text, and personal columns written the
ways people write them (ID numbers, mobiles with prefixes and separators, bank cards in groups).
The ratio profile/read is what counts on a shared machine; the per-cell cost is the detail.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exchange.catalog.domain import FileFormat  # noqa: E402
from exchange.catalog.ingest import open_table, profile_table

HEADER = ["日期", "产品编码", "价格", "数量", "备注", "身份证号", "手机", "银行卡"]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(rng: random.Random) -> str:
    """An 18-character resident ID with a valid ISO 7064 MOD 11-2 check character."""
    body = f"3601{rng.randint(1, 99):02d}{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}"
    body += f"{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]
    return body + check


def row(rng: random.Random, day: date) -> list[str]:
    mobile = f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"
    written = rng.choice(
        (mobile, f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"{mobile[:3]}-{mobile[3:]}")
    )
    card = "6222" + "".join(str(rng.randint(0, 9)) for _ in range(12))
    return [
        day.isoformat(),
        f"CU-{rng.randint(1000, 9999)}-{rng.choice('ABC')}",
        f"{rng.uniform(60000, 80000):.2f}",
        str(rng.randint(1, 500)),
        rng.choice(("现货升水", "长单", "保税区到货", "贵溪冶炼厂出厂", "")),
        id_number(rng),
        written,
        " ".join(card[i : i + 4] for i in range(0, 16, 4)),
    ]


def write_file(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    start = date(2024, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow(row(rng, start + timedelta(days=n % 700)))


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def read_only(path: Path) -> int:
    with open_table(path, FileFormat.CSV) as table:
        return sum(1 for _ in table)


def profiled(path: Path) -> object:
    with open_table(path, FileFormat.CSV) as table:
        return profile_table(table, today=date(2026, 12, 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "copper.csv"
        write_file(path, args.rows, args.seed)
        size = path.stat().st_size
        read = best_of(args.repeat, lambda: read_only(path))
        profile = best_of(args.repeat, lambda: profiled(path))
    cells = args.rows * len(HEADER)
    result = {
        "rows": args.rows,
        "bytes": size,
        "read_seconds": round(read, 3),
        "profile_seconds": round(profile, 3),
        "profile_over_read": round(profile / read, 2),
        "profile_microseconds_per_cell": round(profile / cells * 1e6, 2),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(f"{'rows':<28}{args.rows:>12,}")
    print(f"{'file':<28}{size / 2**20:>11.1f}M")
    print(f"{'read only (baseline)':<28}{read:>11.2f}s")
    print(f"{'profile':<28}{profile:>11.2f}s")
    print(f"{'profile / read':<28}{profile / read:>12.2f}")
    print(f"{'µs per cell (profile)':<28}{profile / cells * 1e6:>12.2f}")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"ingest-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
