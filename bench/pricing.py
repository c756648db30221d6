"""Pricing figures: 100k products valued by the cost and income approaches, and by market
comparables drawn from 100k trades and listings.

Run: .venv/bin/python bench/pricing.py [--products 100000] [--comparables 100000] [--seed 4]
Prints a table and saves bench/results/pricing-<time>.json. Baselines measured in the same run:
the time to build the inputs (checked frozen dataclasses), and a bare Decimal loop doing only
the cost formula's arithmetic. Goals (issue 4): cost and income for 100k products ≤ 2 s;
market approach for 100k products against 100k comparables ≤ 10 s (index build included).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pricing import (  # noqa: E402
    Comparable,
    ComparableIndex,
    CostInputs,
    DiscountRate,
    IncomeInputs,
    IncomeMethod,
    LicenceTerms,
    MarketSubject,
    TooFewComparables,
    cost_approach,
    income_approach,
    market_approach,
    price_band,
    read_licence_table,
)

BOARDS = (
    "nonferrous", "lithium", "steel", "chemicals", "textiles", "energy", "electronics",
    "photovoltaics", "equipment", "biomedicine", "logistics", "agriculture", "finance", "power",
)  # fmt: skip
TYPES = ("dataset", "api", "report")
GRADES = ("general", "general", "general", "important")
AS_OF = date(2026, 11, 1)


def money(rng: random.Random, low: int, high: int) -> Decimal:
    """A price or cost in yuan with fen, log-uniform-ish between low and high."""
    return Decimal(int(low * (high / low) ** rng.random() * 100)) / 100


def licence(rng: random.Random) -> LicenceTerms:
    return LicenceTerms(
        kind="exclusive" if rng.random() < 0.1 else "non_exclusive",
        scope=rng.choice(("internal", "internal", "research", "commercial")),
        territory=rng.choice(("jiangxi", "jiangxi", "mainland", "global")),
        term_months=rng.choice((3, 6, 12, 12, 24, 36)),
        seats=rng.choice((1, 1, 2, 5, 20)),
        derivative=rng.random() < 0.2,
        redistribution=rng.random() < 0.05,
    )


def cost_inputs(rng: random.Random) -> CostInputs:
    total_life = rng.choice((24, 36, 60))
    return CostInputs(
        planning=money(rng, 1_000, 50_000),
        collection=money(rng, 5_000, 500_000),
        storage_processing=money(rng, 1_000, 100_000),
        labour=money(rng, 5_000, 300_000),
        indirect=money(rng, 500, 50_000),
        opportunity=money(rng, 0 + 100, 20_000),
        taxes=money(rng, 100, 30_000),
        return_rate=Decimal(rng.randint(5, 30)) / 100,
        quality=Decimal(rng.randint(3000, 10000)) / 10000,
        total_life_months=total_life,
        remaining_life_months=rng.randint(1, total_life),
    )


def income_inputs(rng: random.Random) -> IncomeInputs:
    method = rng.choice(tuple(IncomeMethod))
    flows: dict[str, Decimal] = {}
    if method is IncomeMethod.DIRECT:
        flows = {"earnings": money(rng, 10_000, 1_000_000)}
    elif method is IncomeMethod.ROYALTY:
        flows = {"revenue": money(rng, 100_000, 10_000_000), "royalty_rate": Decimal("0.03")}
    elif method is IncomeMethod.EXCESS:
        revenue = money(rng, 100_000, 1_000_000)
        flows = {"revenue": revenue, "contributory_charges": revenue * Decimal("0.6")}
    else:
        without = money(rng, 10_000, 1_000_000)
        flows = {"profit_with": without + money(rng, 1_000, 200_000), "profit_without": without}
    return IncomeInputs(
        method=method,
        discount=DiscountRate(
            risk_free=Decimal("0.025"),
            management=Decimal(rng.randint(1, 4)) / 100,
            circulation=Decimal(rng.randint(1, 4)) / 100,
            security=Decimal(rng.randint(0, 3)) / 100,
            regulatory=Decimal(rng.randint(0, 2)) / 100,
        ),
        growth=Decimal(rng.randint(-2, 4)) / 100,
        contract_term_months=rng.choice((12, 24, 36, 60)),
        timeliness_months=rng.choice((24, 36, 60, 120)),
        **flows,
    )


def comparable(rng: random.Random, number: int) -> Comparable:
    return Comparable(
        board=rng.choice(BOARDS),
        product_type=rng.choice(TYPES),
        grade=rng.choice(GRADES),
        rows=int(10 ** rng.uniform(2, 7)),
        licence=licence(rng),
        quality=Decimal(rng.randint(3000, 10000)) / 10000,
        on=AS_OF - timedelta(days=rng.randint(0, 1000)),
        price=money(rng, 2_000, 2_000_000),
        is_trade=rng.random() < 0.7,
        ref=f"T{number}",
    )


def subject(rng: random.Random) -> MarketSubject:
    return MarketSubject(
        board=rng.choice(BOARDS),
        product_type=rng.choice(TYPES),
        grade=rng.choice(GRADES),
        rows=int(10 ** rng.uniform(2, 7)),
        licence_kind="exclusive" if rng.random() < 0.1 else "non_exclusive",
        quality=Decimal(rng.randint(3000, 10000)) / 10000,
    )


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def bare_decimal_loop(inputs: list[CostInputs]) -> Decimal:
    """The cost formula's arithmetic alone: the floor any Decimal implementation pays."""
    total = Decimal(0)
    half = Decimal("0.5")
    for i in inputs:
        cost = (
            i.planning + i.collection + i.storage_processing + i.labour + i.indirect
            + i.opportunity + i.taxes
        )  # fmt: skip
        delta = (half + half * i.quality) * i.remaining_life_months / i.total_life_months
        total += cost * (1 + i.return_rate) * delta
    return total


def run(products: int, comparables: int, seed: int) -> dict[str, Any]:
    """Every figure of the table, in seconds, from one seeded set of synthetic inputs."""
    rng = random.Random(seed)
    table = read_licence_table()
    figures: dict[str, Any] = {"products": products, "comparables": comparables, "seed": seed}

    build_cost, costs = timed(lambda: [cost_inputs(rng) for _ in range(products)])
    build_income, incomes = timed(lambda: [income_inputs(rng) for _ in range(products)])
    figures["baseline_build_cost_inputs_s"] = build_cost
    figures["baseline_build_income_inputs_s"] = build_income
    figures["baseline_bare_decimal_loop_s"], _ = timed(lambda: bare_decimal_loop(costs))
    # A bulk revaluation stores each result and moves on, so results are not kept here.
    figures["cost_s"], _ = timed(lambda: sum(cost_approach(i).value for i in costs))
    figures["income_s"], _ = timed(lambda: sum(income_approach(i).value for i in incomes))
    figures["cost_and_income_s"] = figures["cost_s"] + figures["income_s"]
    figures["cost_and_income_kept_s"], kept = timed(
        lambda: ([cost_approach(i) for i in costs], [income_approach(i) for i in incomes])
    )

    figures["baseline_build_comparables_s"], records = timed(
        lambda: [comparable(rng, n) for n in range(comparables)]
    )
    subjects = [subject(rng) for _ in range(products)]
    figures["index_s"], index = timed(lambda: ComparableIndex(records, table))

    def value_all() -> int:
        refused = 0
        for s in subjects:
            try:
                market_approach(s, index, table=table, as_of=AS_OF)
            except TooFewComparables:
                refused += 1
        return refused

    figures["market_valuations_s"], figures["market_refused"] = timed(value_all)
    figures["market_s"] = figures["index_s"] + figures["market_valuations_s"]
    sample = min(products, 10_000)
    markets = [market_approach(s, index, table=table, as_of=AS_OF) for s in subjects[:sample]]
    figures["band_sample"] = sample
    figures["band_s"], _ = timed(
        lambda: [
            price_band(cost=c, income=i, market=m)
            for c, i, m in zip(kept[0][:sample], kept[1][:sample], markets, strict=True)
        ]
    )
    figures["goal_cost_and_income_s"] = 2.0
    figures["goal_market_s"] = 10.0
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--comparables", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    figures = run(args.products, args.comparables, args.seed)
    figures["python"] = platform.python_version()
    figures["machine"] = platform.machine()
    rows = [
        ("build cost inputs (baseline)", "baseline_build_cost_inputs_s"),
        ("build income inputs (baseline)", "baseline_build_income_inputs_s"),
        ("bare Decimal cost loop (baseline)", "baseline_bare_decimal_loop_s"),
        ("cost approach", "cost_s"),
        ("income approach", "income_s"),
        ("cost + income (goal ≤ 2 s)", "cost_and_income_s"),
        ("cost + income, all results kept", "cost_and_income_kept_s"),
        ("build comparables (baseline)", "baseline_build_comparables_s"),
        ("index comparables", "index_s"),
        ("market valuations", "market_valuations_s"),
        ("market, index included (goal ≤ 10 s)", "market_s"),
    ]
    print(f"{args.products:,} products, {args.comparables:,} comparables")
    print(f"{'step':<40} {'seconds':>9} {'µs each':>9}")
    for label, key in rows:
        seconds = figures[key]
        print(f"{label:<40} {seconds:>9.3f} {seconds / args.products * 1e6:>9.1f}")
    band_each = figures["band_s"] / figures["band_sample"] * 1e6
    print(f"{'bands from all three':<40} {figures['band_s']:>9.3f} {band_each:>9.1f}  (first 10k)")
    print(f"market refusals (fewer than three comparables): {figures['market_refused']}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    path = out / f"pricing-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(figures, indent=2))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
