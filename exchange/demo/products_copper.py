"""Demo products on the non-ferrous metals board: copper from Yingtan."""

from __future__ import annotations

from datetime import date

from exchange.demo.products_common import (
    MARKET_GRADE,
    OPERATIONS_GRADE,
    STATISTICS_GRADE,
    about,
    col,
    commercial,
    exclusive,
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
    ProductType,
    Territory,
    UpdateFrequency,
)

COPPER_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        key="yingtan_copper_cathode_daily",
        vendor="yingtan_copper",
        board="nonferrous",
        title_zh="鹰潭阴极铜现货价格与库存日度数据",
        title_en="Yingtan copper cathode spot prices and inventories, daily",
        summary_zh="每个交易日的阴极铜（1#电解铜）现货价、涨跌、升贴水、上期所库存、鹰潭社会库存与成交量。",
        summary_en="Daily copper cathode (Grade 1 electrolytic copper) spot prices, premiums, "
        "SHFE and Yingtan warehouse inventories and traded volumes for every trading day.",
        description=about(
            "汇总鹰潭铜产业集群现货市场每个交易日收盘后的阴极铜报价与成交，附上海期货交易所"
            "指定仓库库存与鹰潭本地社会库存，可用于铜价走势研判、原料采购定价与库存管理。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2024, 1, 2),
        coverage_end=date(2025, 6, 30),
        regions=("yingtan",),
        tags=(
            "铜",
            "阴极铜",
            "电解铜",
            "现货价格",
            "库存",
            "copper",
            "cathode",
            "spot price",
            "inventory",
            "SHFE",
        ),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("3800"), commercial("12800"), research("1900")),
        file_format=FileFormat.CSV,
        csv_bom=True,
        versions=3,
        accuracy=0.99,
        fields=(
            col("日期", "交易日", Period(weekdays_only=True)),
            col(
                "阴极铜现货价(元/吨)", "1#电解铜现货均价（含税）", Walk(73000, 0.008, 68000, 78000)
            ),
            col("涨跌(元/吨)", "较上一交易日", Change("阴极铜现货价(元/吨)")),
            col("升贴水(元/吨)", "现货对期货近月合约升贴水", Uniform(-120, 260)),
            col("上期所库存(吨)", "上海期货交易所指定仓库铜库存", Walk(95000, 0.03, 20000, 320000)),
            col("鹰潭社会库存(吨)", "鹰潭地区社会仓库阴极铜库存", Walk(18000, 0.03, 5000, 45000)),
            col("成交量(吨)", "鹰潭现货市场当日成交", Uniform(800, 6500)),
        ),
    ),
    DemoProduct(
        key="yingtan_copper_rod_orders",
        vendor="yingtan_copper",
        board="nonferrous",
        title_zh="鹰潭铜杆铜线加工订单与加工费周度数据",
        title_en="Yingtan copper rod and wire orders and processing fees, weekly",
        summary_zh="低氧铜杆、无氧铜杆、漆包线等铜加工产品的每周新增订单、加工费与开工率。",
        summary_en="Weekly new orders, processing fees and utilisation for copper rod, "
        "oxygen-free rod, enamelled wire and other copper products.",
        description=about(
            "按产品统计鹰潭铜加工企业每周新增订单量、平均加工费与开工率，反映下游电线电缆与"
            "电机行业需求，适合铜加工企业排产与经销商备货参考。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2023, 1, 2),
        coverage_end=date(2025, 6, 30),
        regions=("yingtan",),
        tags=(
            "铜",
            "铜杆",
            "漆包线",
            "加工费",
            "订单",
            "copper",
            "copper rod",
            "wire",
            "processing fee",
        ),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("2600"), commercial("8800")),
        file_format=FileFormat.XLSX,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col(
                "产品",
                "铜加工产品",
                Each(("低氧光亮铜杆", "无氧铜杆", "漆包线", "电磁线", "镀锡铜线")),
            ),
            col("新增订单(吨)", "本周新增订单量", Level(2600, 0.12, spread=0.5)),
            col(
                "加工费(元/吨)",
                "不含铜价的平均加工费",
                Walk(900, 0.03, 500, 2200, starts=(650, 900, 1800, 2000, 1400)),
            ),
            col("开工率(%)", "样本企业平均开工率", Uniform(55, 92, 1)),
        ),
    ),
    DemoProduct(
        key="yingtan_copper_scrap_prices",
        vendor="yingtan_copper",
        board="nonferrous",
        title_zh="废铜回收价格与精废价差日度接口",
        title_en="Copper scrap prices and refined–scrap spread, daily API",
        summary_zh="光亮铜、紫铜、黄铜、铜米等再生铜原料每日回收价与精废价差，接口按日推送。",
        summary_en="Daily recycling prices of bright copper, red copper, brass and copper "
        "granules scrap, with the refined–scrap copper spread, delivered as an API feed.",
        description=about(
            "采集鹰潭再生铜回收站点每个交易日的分品类报价与回收量，并计算阴极铜与废铜的价差，"
            "帮助冶炼与加工企业判断使用再生原料的经济性。"
        ),
        product_type=ProductType.API,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2025, 1, 2),
        coverage_end=date(2025, 6, 30),
        regions=("yingtan", "shangrao"),
        tags=("铜", "废铜", "再生铜", "精废价差", "copper scrap", "recycling", "spread", "API"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("1800", months=6), commercial("6600")),
        file_format=FileFormat.JSON,
        fields=(
            col("日期", "交易日", Period(weekdays_only=True)),
            col("品类", "再生铜品类", Each(("光亮铜", "1#紫铜", "2#紫铜", "黄铜", "铜米"))),
            col(
                "回收价(元/吨)",
                "含税回收价",
                Walk(66000, 0.008, 60000, 74000, starts=(68500, 66500, 63000, 46000, 67500)),
            ),
            col("精废价差(元/吨)", "阴极铜与该品类的价差", Uniform(800, 3200)),
            col("回收量(吨)", "样本站点当日回收量", Uniform(20, 380)),
        ),
    ),
    DemoProduct(
        key="yingtan_copper_smelter_energy",
        vendor="yingtan_copper",
        board="nonferrous",
        title_zh="铜冶炼工序能耗与碳排放月度数据",
        title_en="Copper smelting energy consumption and carbon intensity by process, monthly",
        summary_zh="闪速熔炼、吹炼、精炼、电解与制酸各工序的单位能耗、电耗、天然气单耗与碳排放强度。",
        summary_en="Energy consumption per tonne of copper cathode by smelting process "
        "(flash smelting, converting, refining, electrolysis, acid plant), electricity, gas "
        "and carbon intensity.",
        description=about(
            "按月记录鹰潭铜冶炼厂各工序的能耗（kgce/t）、电耗与天然气消耗，并折算碳排放强度，"
            "可用于对标《铜冶炼单位产品能源消耗限额》、节能改造评估与碳足迹核算。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2022, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("yingtan",),
        tags=(
            "铜",
            "铜冶炼",
            "能耗",
            "碳排放",
            "copper smelting",
            "energy consumption",
            "carbon intensity",
            "kgce",
        ),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("5200"), research("2600"), commercial("15600")),
        file_format=FileFormat.XLSX,
        versions=2,
        fields=(
            col("月份", "统计月份", Period()),
            col(
                "工序",
                "冶炼工序，全流程为吨铜综合",
                Each(("闪速熔炼", "转炉吹炼", "阳极精炼", "电解精炼", "制酸", "全流程")),
            ),
            col(
                "工序能耗(kgce/t)",
                "每吨阴极铜的工序能耗，折标准煤",
                Level(1, 0.03, drift=-0.002, decimals=1, bases=(165, 45, 38, 115, 18, 340)),
            ),
            col(
                "电耗(kWh/t)", "每吨阴极铜电耗", Level(1, 0.04, bases=(260, 95, 40, 360, 120, 880))
            ),
            col(
                "天然气单耗(m³/t)",
                "每吨阴极铜天然气消耗",
                Level(1, 0.05, decimals=1, bases=(12, 2, 25, 1, 0.5, 41)),
            ),
            col(
                "碳排放强度(tCO2/t)",
                "每吨阴极铜二氧化碳排放",
                Level(1, 0.03, decimals=3, bases=(0.45, 0.12, 0.1, 0.32, 0.05, 1.05)),
            ),
        ),
    ),
    DemoProduct(
        key="yingtan_copper_concentrate_tc",
        vendor="yingtan_copper",
        board="nonferrous",
        title_zh="进口铜精矿加工费（TC/RC）与港口库存周度数据",
        title_en="Imported copper concentrate treatment charges (TC/RC) and port stocks, weekly",
        summary_zh="铜精矿现货粗炼费 TC、精炼费 RC、主要港口到港量与库存，每周更新。",
        summary_en="Weekly spot treatment and refining charges for copper concentrate, "
        "arrivals and stocks at the main ports.",
        description=about(
            "整理进口铜精矿现货加工费与港口到港、库存情况，反映全球铜矿供应松紧与冶炼利润，"
            "适合冶炼厂原料采购谈判和贸易商参考。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2021, 1, 4),
        coverage_end=date(2025, 6, 30),
        regions=("yingtan", "other"),
        tags=("铜精矿", "加工费", "TC/RC", "copper concentrate", "treatment charge", "port stock"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("2200"), commercial("7200", territory=Territory.GLOBAL)),
        file_format=FileFormat.CSV,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col("铜精矿现货TC(美元/干吨)", "现货粗炼费", Walk(30, 0.08, -20, 90, decimals=1)),
            col(
                "RC(美分/磅)",
                "精炼费，按惯例为 TC 的十分之一",
                Scaled("铜精矿现货TC(美元/干吨)", 0.1, 0.1, 2),
            ),
            col("铜精矿到港量(万吨)", "主要港口当周到港实物量", Uniform(35, 75, 1)),
            col("港口库存(万吨)", "主要港口铜精矿库存", Walk(70, 0.05, 30, 120, decimals=1)),
        ),
    ),
    DemoProduct(
        key="yingtan_copper_industry_monthly",
        vendor="yingtan_copper",
        board="nonferrous",
        title_zh="鹰潭铜产业月度运行报告（数据表）",
        title_en="Yingtan copper industry monthly report (data tables)",
        summary_zh="月度报告所附数据表：阴极铜与铜材产量、废铜回收量、铜加工开工率、规上企业营收与增速。",
        summary_en="The tables behind the monthly copper industry report: cathode and copper "
        "product output, scrap collected, utilisation, revenue and growth of large firms.",
        description=about(
            "鹰潭“世界铜都”产业运行月报的附表，汇总阴极铜、铜材产量与再生铜回收，"
            "以及规模以上铜企营收和同比增速，适合产业研究与投资分析。"
        ),
        product_type=ProductType.REPORT,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2017, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("yingtan",),
        tags=("铜", "铜产业", "月报", "产量", "copper", "industry report", "output", "report"),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("980"), research("600"), exclusive("98000")),
        file_format=FileFormat.XLSX,
        fields=(
            col("月份", "报告月份", Period()),
            col("阴极铜产量(万吨)", "全市阴极铜产量", Level(11.5, 0.05, drift=0.002, decimals=2)),
            col(
                "铜材产量(万吨)",
                "铜杆、铜线、铜板带等合计",
                Level(16, 0.06, drift=0.003, decimals=2),
            ),
            col("废铜回收量(万吨)", "再生铜原料回收量", Level(4.2, 0.08, decimals=2)),
            col("铜加工开工率(%)", "样本企业平均", Uniform(62, 88, 1)),
            col(
                "规上铜企营收(亿元)",
                "规模以上铜企业营业收入",
                Level(420, 0.06, drift=0.004, decimals=1),
            ),
            col("营收同比(%)", "营业收入同比增速", Uniform(-3, 14, 1)),
        ),
    ),
)
