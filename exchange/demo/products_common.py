"""Shorthands the demo product modules share: columns, licence offers, grading reasons."""

from __future__ import annotations

import re
from decimal import Decimal

from exchange.demo.specs import DemoField, DemoOffer, Values
from exchange.domain.catalog import LicenceKind, Territory, UseScope

DEMO_NOTE = (
    "本产品为赣数交易平台的演示数据（synthetic demo data），数值由程序按行业常见区间合成，"
    "不代表任何企业或市场的真实情况，仅用于展示挂牌、估值、交易与交付流程。"
)

MARKET_GRADE = (
    "仅含市场口径的价格与成交汇总，不涉及个人信息，也不属于重要数据目录所列事项，"
    "按 GB/T 43697-2024 定为一般数据。"
)
OPERATIONS_GRADE = (
    "为企业自身生产经营指标，已按产线、工序或企业汇总，不涉及个人信息和重要数据目录事项，"
    "按 GB/T 43697-2024 定为一般数据。"
)
STATISTICS_GRADE = (
    "为行业或区域汇总统计，颗粒度不足以推断单个企业或关键设施的运行状态，不涉及个人信息，"
    "按 GB/T 43697-2024 定为一般数据。"
)

_UNIT = re.compile(r"\(([^()]+)\)$")


def col(name: str, description: str, values: Values, *, personal: bool = False) -> DemoField:
    """A column whose unit is the bracketed end of its header, as in 阴极铜现货价(元/吨)."""
    unit = _UNIT.search(name)
    return DemoField(name, unit.group(1) if unit else None, description, personal, values)


def about(text: str) -> str:
    """A product description: what the data is, then the demo-data notice."""
    return text + DEMO_NOTE


def personal_grade(what: str) -> str:
    """Why a file holding personal information is still general data."""
    return (
        f"含个人信息（{what}），已取得信息主体授权，样例与交付文件按平台规则脱敏；"
        "不涉及重要数据目录事项，按 GB/T 43697-2024 定为一般数据。"
    )


def _money(price: str) -> Decimal:
    return Decimal(price).quantize(Decimal("0.01"))


def internal(
    price: str, *, months: int = 12, territory: Territory = Territory.JIANGXI, seats: int = 1
) -> DemoOffer:
    """A non-exclusive licence for the buyer's own analysis."""
    return DemoOffer(
        kind=LicenceKind.NON_EXCLUSIVE,
        scope=UseScope.INTERNAL,
        term_months=months,
        territory=territory,
        seats=seats,
        derivative=False,
        redistribution=False,
        price=_money(price),
    )


def research(price: str, *, months: int = 12, seats: int = 3) -> DemoOffer:
    """A non-exclusive licence for research, derivative work allowed."""
    return DemoOffer(
        kind=LicenceKind.NON_EXCLUSIVE,
        scope=UseScope.RESEARCH,
        term_months=months,
        territory=Territory.MAINLAND,
        seats=seats,
        derivative=True,
        redistribution=False,
        price=_money(price),
    )


def commercial(
    price: str,
    *,
    months: int = 12,
    seats: int = 5,
    territory: Territory = Territory.MAINLAND,
    redistribution: bool = False,
) -> DemoOffer:
    """A non-exclusive licence for commercial use, derivative products allowed."""
    return DemoOffer(
        kind=LicenceKind.NON_EXCLUSIVE,
        scope=UseScope.COMMERCIAL,
        term_months=months,
        territory=territory,
        seats=seats,
        derivative=True,
        redistribution=redistribution,
        price=_money(price),
    )


def exclusive(
    price: str, *, months: int = 24, territory: Territory = Territory.MAINLAND
) -> DemoOffer:
    """An exclusive commercial licence with redistribution: it sells once."""
    return DemoOffer(
        kind=LicenceKind.EXCLUSIVE,
        scope=UseScope.COMMERCIAL,
        term_months=months,
        territory=territory,
        seats=10,
        derivative=True,
        redistribution=True,
        price=_money(price),
    )
