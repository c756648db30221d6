"""Synthetic rows for a demo product: periods × categories, walks and levels, synthetic people.

Every table comes from one random.Random seeded with the product key, drawn row by row, so a
later version is the earlier one with rows appended — as a vendor's real re-upload would be.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TypeAlias

from demo.specs import (
    Around,
    Change,
    Day,
    DemoField,
    DemoProduct,
    Each,
    Level,
    Pattern,
    Period,
    Personal,
    Pick,
    Scaled,
    Serial,
    Timeline,
    Uniform,
    Walk,
)
from exchange.catalog.domain import UpdateFrequency

Cell: TypeAlias = str | int | Decimal | date | datetime
Moment: TypeAlias = date | datetime

LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # plates and codes skip I and O
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# County-level division codes in Jiangxi, for the first six digits of synthetic ID numbers.
COUNTIES = (
    "360102", "360103", "360111", "360121", "360124", "360202", "360281", "360302", "360402",
    "360423", "360482", "360502", "360602", "360681", "360702", "360703", "360722", "360781",
    "360802", "360881", "360902", "360983", "361002", "361023", "361102", "361181",
)  # fmt: skip
SURNAMES = (
    ("刘", "liu"), ("李", "li"), ("王", "wang"), ("张", "zhang"), ("陈", "chen"), ("黄", "huang"),
    ("吴", "wu"), ("罗", "luo"), ("胡", "hu"), ("杨", "yang"), ("徐", "xu"), ("周", "zhou"),
    ("邹", "zou"), ("熊", "xiong"), ("万", "wan"), ("曾", "zeng"), ("钟", "zhong"), ("肖", "xiao"),
    ("彭", "peng"), ("赖", "lai"), ("郭", "guo"), ("邓", "deng"), ("朱", "zhu"), ("余", "yu"),
    ("涂", "tu"), ("付", "fu"), ("龚", "gong"), ("谢", "xie"), ("廖", "liao"), ("程", "cheng"),
)  # fmt: skip
GIVEN = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"),
    ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("桂", "gui"), ("英", "ying"), ("华", "hua"),
    ("建", "jian"), ("文", "wen"), ("斌", "bin"), ("辉", "hui"), ("兰", "lan"), ("红", "hong"),
    ("琴", "qin"), ("亮", "liang"), ("婷", "ting"), ("晨", "chen"), ("宇", "yu"), ("欣", "xin"),
    ("浩", "hao"), ("雪", "xue"), ("峰", "feng"), ("玲", "ling"),
)  # fmt: skip
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "177", "180", "181", "182", "183", "185", "186",
    "187", "188", "189", "191", "198", "199",
)  # fmt: skip
CARD_BINS = ("621700", "622848", "621226", "622588", "623668", "621799")
EMAIL_DOMAINS = ("example.com", "example.cn", "example.net")


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    mobile: str
    email: str
    bank_card: str


def id_check_character(first17: str) -> str:
    """The 18th character of a mainland resident ID number (GB 11643, ISO 7064 MOD 11-2)."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def luhn_check_digit(payload: str) -> str:
    """The digit that makes payload + digit pass the Luhn check, as bank card numbers do."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str((10 - total % 10) % 10)


def synthetic_person(rng: random.Random) -> Person:
    """A made-up Jiangxi resident whose ID, phone, email and card all look real and check out."""
    surname, surname_pinyin = rng.choice(SURNAMES)
    given = rng.sample(GIVEN, rng.choice((1, 2, 2)))
    birth = date(1966, 1, 1) + timedelta(days=rng.randrange(38 * 365))
    first17 = f"{rng.choice(COUNTIES)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    pinyin = surname_pinyin + "".join(p for _, p in given)
    card = rng.choice(CARD_BINS) + "".join(str(rng.randrange(10)) for _ in range(12))
    return Person(
        name=surname + "".join(h for h, _ in given),
        id_number=first17 + id_check_character(first17),
        mobile=rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
        email=f"{pinyin}{birth.year % 100:02d}{rng.randrange(10)}@{rng.choice(EMAIL_DOMAINS)}",
        bank_card=card + luhn_check_digit(card),
    )


def build_table(product: DemoProduct, version: int = 1) -> Table:
    """The header and rows of one version of the product's file, as Python values."""
    if not 1 <= version <= product.versions:
        raise ValueError(f"{product.key} has versions 1..{product.versions}, not {version}")
    rng = random.Random(f"ganshu-demo:{product.key}")
    keys = list(_row_keys(product, version))
    filler = _Filler(product, rng, final_rows=_final_row_count(product))
    rows = tuple(filler.row(i, period, category) for i, (period, category) in enumerate(keys))
    return Table(tuple(field.name for field in product.fields), rows)


def periods(product: DemoProduct) -> list[Moment]:
    """Every period the product's final version covers, by its update frequency."""
    start, end, frequency = product.coverage_start, product.coverage_end, product.update_frequency
    if frequency is UpdateFrequency.REALTIME:
        first, last = datetime.combine(start, time()), datetime.combine(end, time(23))
        return [
            first + timedelta(hours=h) for h in range(int((last - first) / timedelta(hours=1)) + 1)
        ]
    if frequency is UpdateFrequency.DAILY:
        return [start + timedelta(days=d) for d in range((end - start).days + 1)]
    if frequency is UpdateFrequency.WEEKLY:
        monday = start + timedelta(days=(7 - start.weekday()) % 7)
        return [monday + timedelta(weeks=w) for w in range((end - monday).days // 7 + 1)]
    months = {
        UpdateFrequency.MONTHLY: 1,
        UpdateFrequency.QUARTERLY: 3,
        UpdateFrequency.YEARLY: 12,
    }.get(frequency)
    if months is None:
        raise ValueError(f"{product.key}: a one-off file has no periods; give it rows instead")
    index = start.year * 12 + start.month - 1
    index += -index % months  # the first whole quarter or year
    found: list[Moment] = []
    while (moment := date(index // 12, index % 12 + 1, 1)) <= end:
        found.append(moment)
        index += months
    return found


def _spec(product: DemoProduct, kind: type[Period] | type[Each]) -> Period | Each | None:
    return next((f.values for f in product.fields if isinstance(f.values, kind)), None)


def _categories(product: DemoProduct) -> tuple[str | None, ...]:
    each = _spec(product, Each)
    return each.options if isinstance(each, Each) else (None,)


def _roster_rows(product: DemoProduct, version: int) -> int:
    if product.rows is None:
        raise ValueError(f"{product.key}: no Period column, so it needs rows")
    return product.rows + (version - 1) * max(1, product.rows // 5)


def _final_row_count(product: DemoProduct) -> int:
    return sum(1 for _ in _row_keys(product, product.versions))


def _row_keys(product: DemoProduct, version: int) -> Iterator[tuple[Moment | None, str | None]]:
    categories = _categories(product)
    period = _spec(product, Period)
    if not isinstance(period, Period):
        for index in range(_roster_rows(product, version)):
            yield None, categories[index % len(categories)]
        return
    moments = periods(product)
    if period.weekdays_only:
        moments = [m for m in moments if m.weekday() < 5]
    keep = len(moments) - (product.versions - version) * max(1, len(moments) // 8)
    for moment in moments[:keep]:
        for category in categories:
            yield moment, category


def _number(value: float, decimals: int) -> int | Decimal:
    return round(value) if decimals == 0 else Decimal(f"{value:.{decimals}f}")


class _Filler:
    """Draws each cell in turn, remembering walks, levels and previous values per category."""

    def __init__(self, product: DemoProduct, rng: random.Random, final_rows: int) -> None:
        self.product = product
        self.rng = rng
        self.final_rows = final_rows
        self.categories = _categories(product)
        self.state: dict[tuple[str, str | None], float] = {}
        self.steps: dict[tuple[str, str | None], int] = {}

    def row(self, index: int, period: Moment | None, category: str | None) -> tuple[Cell, ...]:
        cells: dict[str, Cell] = {}
        person: list[Person] = []
        for field in self.product.fields:
            cells[field.name] = self.cell(field, index, period, category, cells, person)
        return tuple(cells.values())

    def cell(
        self,
        field: DemoField,
        index: int,
        period: Moment | None,
        category: str | None,
        cells: dict[str, Cell],
        person: list[Person],
    ) -> Cell:
        rng, spec, key = self.rng, field.values, (field.name, category)
        match spec:
            case Period():
                assert period is not None
                return _period_cell(self.product.update_frequency, period)
            case Each():
                assert category is not None
                return category
            case Walk():
                return _number(self._walk(key, spec), spec.decimals)
            case Level():
                return _number(self._level(key, spec, period), spec.decimals)
            case Uniform():
                return _number(rng.uniform(spec.low, spec.high), spec.decimals)
            case Pick():
                return rng.choices(spec.options, weights=spec.weights or None)[0]
            case Pattern():
                return "".join(_pattern_char(rng, char) for char in spec.template)
            case Serial():
                return f"{spec.prefix}{spec.start + index:0{spec.width}d}"
            case Day():
                span = (self.product.coverage_end - self.product.coverage_start).days
                return self.product.coverage_start + timedelta(days=rng.randrange(span + 1))
            case Timeline():
                return self._timeline(index)
            case Scaled():
                return _number(
                    _float(cells[spec.of]) * rng.uniform(spec.low, spec.high), spec.decimals
                )
            case Around():
                return _number(
                    _float(cells[spec.of]) + rng.uniform(spec.low, spec.high), spec.decimals
                )
            case Change():
                now, before = _float(cells[spec.of]), self.state.get(key)
                self.state[key] = now
                return _number(0.0 if before is None else now - before, spec.decimals)
            case Personal():
                if not person:
                    person.append(synthetic_person(rng))
                return str(getattr(person[0], spec.kind))
        raise ValueError(f"{self.product.key}: column {field.name} says nothing of its values")

    def _category_index(self, category: str | None) -> int:
        return self.categories.index(category)

    def _walk(self, key: tuple[str, str | None], spec: Walk) -> float:
        scale = spec.starts[self._category_index(key[1])] / spec.start if spec.starts else 1.0
        low, high, anchor = spec.low * scale, spec.high * scale, spec.start * scale
        before = self.state.get(key)
        if before is None:
            jitter = 1.0 if spec.starts or key[1] is None else self.rng.uniform(0.96, 1.04)
            value = anchor * jitter
        else:
            value = before + anchor * self.rng.gauss(0, spec.step) + 0.03 * (anchor - before)
        value = high - (value - high) if value > high else value
        value = low + (low - value) if value < low else value
        self.state[key] = value = min(max(value, low), high)
        return value

    def _level(self, key: tuple[str, str | None], spec: Level, period: Moment | None) -> float:
        if key not in self.state:
            self.state[key] = (
                spec.bases[self._category_index(key[1])]
                if spec.bases
                else spec.base * (1 + self.rng.uniform(-spec.spread, spec.spread))
            )
        step = self.steps[key] = self.steps.get(key, -1) + 1
        # Log-normal noise: a level never changes sign, however noisy (no negative emissions).
        noise = math.exp(self.rng.gauss(0, spec.noise) - spec.noise**2 / 2)
        value = self.state[key] * (1 + spec.drift) ** step * noise
        if spec.cycle and isinstance(period, datetime):
            value *= 1 + spec.cycle * math.sin(2 * math.pi * (period.hour - 9) / 24)
        return value

    def _timeline(self, index: int) -> datetime:
        start = datetime.combine(self.product.coverage_start, time(8))
        end = datetime.combine(self.product.coverage_end, time(20))
        gap = (end - start) / self.final_rows
        moment = start + gap * index + gap * self.rng.random()
        return moment.replace(second=0, microsecond=0)


def _float(value: Cell) -> float:
    if isinstance(value, int | Decimal):
        return float(value)
    raise TypeError(f"{value!r} is not a number")


def _pattern_char(rng: random.Random, char: str) -> str:
    if char == "#":
        return str(rng.randrange(10))
    if char == "@":
        return rng.choice(LETTERS)
    return char


def _period_cell(frequency: UpdateFrequency, moment: Moment) -> Cell:
    if frequency is UpdateFrequency.MONTHLY:
        return f"{moment:%Y-%m}"
    if frequency is UpdateFrequency.QUARTERLY:
        return f"{moment.year}Q{(moment.month - 1) // 3 + 1}"
    if frequency is UpdateFrequency.YEARLY:
        return moment.year
    return moment
