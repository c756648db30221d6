"""Demo products on the electronics board, from Ji'an."""

from __future__ import annotations

from datetime import date

from exchange.demo.products_common import (
    MARKET_GRADE,
    OPERATIONS_GRADE,
    STATISTICS_GRADE,
    about,
    col,
    commercial,
    internal,
    research,
)
from exchange.demo.specs import (
    Change,
    DemoProduct,
    Each,
    Level,
    Period,
    Scaled,
    Uniform,
    Walk,
)
from exchange.domain.catalog import (
    FileFormat,
    Grade,
    ListingStatus,
    ProductType,
    UpdateFrequency,
)

ELECTRONICS_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        key="jian_pcb_output",
        vendor="jian_electronics",
        board="electronics",
        title_zh="印制电路板（PCB）产量、良率与订单月度数据",
        title_en="Printed circuit board (PCB) output, yield and orders, monthly",
        summary_zh="多层板、HDI、柔性板、刚挠结合板与 IC 载板的月产量、良率和在手订单。",
        summary_en="Monthly output, yield and order book for multilayer, HDI, flexible, "
        "rigid-flex PCBs and IC substrates.",
        description=about(
            "汇总吉安电子信息产业集群 PCB 企业的分品类生产数据，适合覆铜板等上游供应商排产与"
            "产业投资分析。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2021, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("jian",),
        tags=(
            "电子信息",
            "PCB",
            "电路板",
            "产量",
            "electronics",
            "printed circuit board",
            "output",
        ),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("2600"), commercial("8400")),
        file_format=FileFormat.CSV,
        fields=(
            col("月份", "统计月份", Period()),
            col(
                "产品",
                "PCB 品类",
                Each(("多层板", "高密度互连板HDI", "柔性电路板FPC", "刚挠结合板", "IC封装基板")),
            ),
            col(
                "产量(万平方米)",
                "当月产量",
                Level(1, 0.08, drift=0.003, decimals=2, bases=(38, 16, 22, 5, 1.8)),
            ),
            col("良率(%)", "当月综合良率", Uniform(88, 98.5, 1)),
            col("在手订单(万平方米)", "月末在手订单", Scaled("产量(万平方米)", 0.8, 1.6, 2)),
        ),
    ),
    DemoProduct(
        key="jian_smt_line_oee",
        vendor="jian_electronics",
        board="electronics",
        title_zh="SMT贴片产线设备综合效率（OEE）日度数据",
        title_en="SMT line overall equipment effectiveness (OEE), daily",
        summary_zh="六条 SMT 贴片产线的每日 OEE、贴装点数、抛料率与停机时长。",
        summary_en="Daily OEE, placements, pick-up loss rate and downtime for six SMT lines.",
        description=about(
            "来自工厂制造执行系统的产线日报，适合智能制造诊断、设备厂商服务与产能规划。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2025, 3, 1),
        coverage_end=date(2025, 6, 30),
        regions=("jian",),
        tags=("电子信息", "SMT", "OEE", "智能制造", "electronics", "smart manufacturing", "OEE"),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("1800"), research("900")),
        file_format=FileFormat.CSV,
        fields=(
            col("日期", "生产日", Period()),
            col("产线", "SMT 产线", Each(tuple(f"SMT-{n:02d}" for n in range(1, 7)))),
            col("OEE(%)", "设备综合效率", Walk(78, 0.02, 55, 92, decimals=1)),
            col("贴装点数(万点)", "当日贴装点数", Level(950, 0.1, spread=0.3, decimals=1)),
            col("抛料率(%)", "吸嘴抛料率", Uniform(0.02, 0.35, 3)),
            col("停机时长(分钟)", "非计划停机", Uniform(0, 180)),
        ),
    ),
    DemoProduct(
        key="jian_component_prices",
        vendor="jian_electronics",
        board="electronics",
        title_zh="电子元器件市场价格周度接口",
        title_en="Electronic component market prices, weekly API",
        summary_zh="MLCC、电阻、电解电容、功率 MOSFET、存储芯片等常用元器件的周参考价与交期。",
        summary_en="Weekly reference prices and lead times for MLCCs, resistors, electrolytic "
        "capacitors, power MOSFETs and memory chips.",
        description=about(
            "采集电子元器件分销渠道的周度报价，适合电子制造企业备料、成本预测与供应链风险预警。"
        ),
        product_type=ProductType.API,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2024, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("jian", "ganjiang_new_area"),
        tags=(
            "电子元器件",
            "MLCC",
            "芯片",
            "价格",
            "electronic components",
            "MLCC",
            "memory",
            "price",
            "API",
        ),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("2000"), commercial("6400")),
        file_format=FileFormat.JSON,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col(
                "品类",
                "元器件及计价单位",
                Each(
                    (
                        "MLCC 0402 100nF（千只）",
                        "厚膜电阻 0603（千只）",
                        "铝电解电容 470µF（千只）",
                        "功率MOSFET 60V（只）",
                        "DDR4 8Gb（颗）",
                        "NOR Flash 128Mb（颗）",
                    )
                ),
            ),
            col(
                "参考价(元)",
                "按品类计价单位的含税参考价",
                Walk(10, 0.03, 0.5, 40, decimals=2, starts=(3.2, 1.1, 45, 0.85, 11.2, 4.6)),
            ),
            col("周涨跌(元)", "较上周", Change("参考价(元)", 2)),
            col("交期(周)", "主流渠道交货周期", Uniform(4, 20)),
        ),
    ),
    DemoProduct(
        key="jian_electronics_exports",
        vendor="jian_electronics",
        board="electronics",
        title_zh="电子信息产品出口额月度数据",
        title_en="Electronic information product exports, monthly",
        summary_zh="手机、平板、印制电路板、显示模组、连接器与分立器件的月度出口额与同比。",
        summary_en="Monthly exports and growth for phones, tablets, PCBs, display modules, "
        "connectors and discrete semiconductors.",
        description=about(
            "汇总吉安及赣江新区电子信息企业的出口数据，适合外贸形势研判与产业链招商。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2021, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("jian", "ganjiang_new_area"),
        tags=("电子信息", "出口", "手机", "electronics", "exports", "trade"),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("1500"), commercial("4800")),
        file_format=FileFormat.CSV,
        status=ListingStatus.SUBMITTED,
        fields=(
            col("月份", "统计月份", Period()),
            col(
                "品类",
                "出口品类",
                Each(
                    ("手机", "平板电脑", "印制电路板", "显示模组", "连接器与线缆", "半导体分立器件")
                ),
            ),
            col(
                "出口额(万美元)",
                "当月出口额",
                Level(1, 0.12, drift=0.004, bases=(8200, 2600, 3100, 4500, 1700, 1200)),
            ),
            col("同比(%)", "出口额同比", Uniform(-15, 30, 1)),
        ),
    ),
)
