"""Demo products on the lithium battery board, from Yichun."""

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
    Around,
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

LITHIUM_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        key="yichun_lithium_carbonate_spot",
        vendor="yichun_lithium",
        board="lithium",
        title_zh="宜春电池级碳酸锂现货价格日度数据",
        title_en="Yichun battery-grade lithium carbonate spot prices, daily",
        summary_zh="电池级与工业级碳酸锂、电池级氢氧化锂每日现货价及成交量，宜春锂电产业链定价参考。",
        summary_en="Daily spot prices of battery-grade and technical-grade lithium carbonate "
        "and battery-grade lithium hydroxide, with traded volumes.",
        description=about(
            "汇总宜春锂电材料现货市场每个交易日的碳酸锂与氢氧化锂报价和成交量，"
            "适合正极材料企业原料采购、电池企业成本测算与锂价研究。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2024, 1, 2),
        coverage_end=date(2025, 6, 30),
        regions=("yichun",),
        tags=(
            "碳酸锂",
            "锂",
            "锂电",
            "现货价格",
            "lithium carbonate",
            "lithium",
            "spot price",
            "battery",
        ),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("3600"), commercial("11800"), research("1800")),
        file_format=FileFormat.CSV,
        csv_bom=True,
        versions=2,
        accuracy=0.99,
        fields=(
            col("日期", "交易日", Period(weekdays_only=True)),
            col("电池级碳酸锂(元/吨)", "Li2CO3 ≥99.5% 现货均价", Walk(82000, 0.012, 70000, 110000)),
            col("涨跌(元/吨)", "较上一交易日", Change("电池级碳酸锂(元/吨)")),
            col(
                "工业级碳酸锂(元/吨)",
                "Li2CO3 ≥99.2% 现货均价",
                Scaled("电池级碳酸锂(元/吨)", 0.93, 0.96),
            ),
            col(
                "电池级氢氧化锂(元/吨)",
                "LiOH·H2O 现货均价",
                Scaled("电池级碳酸锂(元/吨)", 0.92, 1.0),
            ),
            col("成交量(吨)", "样本企业当日成交", Uniform(150, 2200)),
        ),
    ),
    DemoProduct(
        key="yichun_lepidolite_concentrate",
        vendor="yichun_lithium",
        board="lithium",
        title_zh="锂云母精矿价格与到厂量周度数据",
        title_en="Lepidolite concentrate prices and deliveries by grade, weekly",
        summary_zh="按 Li2O 品位分档的锂云母精矿周均价、到厂量及折碳酸锂当量。",
        summary_en="Weekly lepidolite concentrate prices and deliveries by Li2O grade, with "
        "lithium carbonate equivalent.",
        description=about(
            "跟踪宜春锂云母精矿分品位报价与冶炼厂到厂量，并折算碳酸锂当量，"
            "反映云母提锂原料供应与成本变化。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2023, 1, 2),
        coverage_end=date(2025, 6, 30),
        regions=("yichun",),
        tags=("锂云母", "精矿", "碳酸锂当量", "lepidolite", "lithium", "concentrate", "LCE"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("2400"), commercial("7800")),
        file_format=FileFormat.CSV,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col(
                "品位",
                "Li2O 含量分档",
                Each(("Li2O 1.5%-2.0%", "Li2O 2.0%-2.5%", "Li2O 2.5%-3.0%", "Li2O 3.0%以上")),
            ),
            col(
                "价格(元/吨)",
                "干基到厂价",
                Walk(1600, 0.04, 700, 3500, starts=(900, 1300, 1750, 2300)),
            ),
            col("到厂量(吨)", "样本冶炼厂当周到厂量", Level(5200, 0.2, spread=0.5)),
            col("折碳酸锂当量(吨)", "按品位与回收率折算", Scaled("到厂量(吨)", 0.025, 0.04, 1)),
        ),
    ),
    DemoProduct(
        key="yichun_lithium_carbonate_output",
        vendor="yichun_lithium",
        board="lithium",
        title_zh="宜春碳酸锂产量与开工率月度数据（分县区）",
        title_en="Yichun lithium carbonate output and utilisation by county, monthly",
        summary_zh="宜春各县市区碳酸锂月产量、开工率与月末库存。",
        summary_en="Monthly lithium carbonate output, plant utilisation and month-end stocks "
        "for each county of Yichun.",
        description=about(
            "按县区汇总宜春碳酸锂冶炼企业的产量、开工率与库存，"
            "反映“亚洲锂都”产能释放节奏，适合产业规划与供需平衡研究。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2022, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("yichun",),
        tags=("碳酸锂", "产量", "开工率", "lithium carbonate", "output", "utilisation"),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("4600"), commercial("14800"), exclusive("168000")),
        file_format=FileFormat.XLSX,
        fields=(
            col("月份", "统计月份", Period()),
            col(
                "县区",
                "宜春所辖县市区",
                Each(("袁州区", "宜丰县", "奉新县", "上高县", "高安市", "樟树市", "万载县")),
            ),
            col("碳酸锂产量(吨)", "当月产量", Level(2400, 0.12, spread=0.6)),
            col("开工率(%)", "样本企业平均", Uniform(45, 92, 1)),
            col("月末库存(吨)", "企业月末库存", Scaled("碳酸锂产量(吨)", 0.15, 0.6)),
        ),
    ),
    DemoProduct(
        key="yichun_lithium_energy",
        vendor="yichun_lithium",
        board="lithium",
        title_zh="碳酸锂生产能耗与碳排放月度数据",
        title_en="Lithium carbonate production energy consumption and carbon emissions, monthly",
        summary_zh="各提锂产线单位碳酸锂综合能耗、电耗、水耗与碳排放强度，按月更新。",
        summary_en="Energy consumption, electricity, water use and carbon intensity per tonne "
        "of lithium carbonate for each extraction line, monthly.",
        description=about(
            "记录锂云母焙烧提锂与回收料提锂产线的单位产品能耗（kgce/t）与碳排放，"
            "可用于能耗双控考核、电池碳足迹核算与工艺对标。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2021, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("yichun",),
        tags=(
            "碳酸锂",
            "能耗",
            "碳排放",
            "碳足迹",
            "lithium carbonate",
            "energy consumption",
            "carbon footprint",
        ),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("3900"), research("1900")),
        file_format=FileFormat.CSV,
        versions=2,
        fields=(
            col("月份", "统计月份", Period()),
            col(
                "产线",
                "提锂产线",
                Each(("硫酸盐焙烧1线", "硫酸盐焙烧2线", "氯化焙烧线", "回收料提锂线")),
            ),
            col(
                "单位产品综合能耗(kgce/t)",
                "每吨碳酸锂综合能耗，折标准煤",
                Level(1, 0.04, drift=-0.003, bases=(3100, 3000, 2700, 1800)),
            ),
            col(
                "单位产品电耗(kWh/t)",
                "每吨碳酸锂电耗",
                Level(1, 0.05, bases=(5200, 5000, 4600, 3300)),
            ),
            col(
                "单位产品水耗(t/t)",
                "每吨碳酸锂新水消耗",
                Level(1, 0.06, decimals=1, bases=(90, 86, 70, 45)),
            ),
            col(
                "碳排放强度(tCO2/t)",
                "每吨碳酸锂二氧化碳排放",
                Level(1, 0.04, drift=-0.002, decimals=2, bases=(8.5, 8.2, 7.4, 4.6)),
            ),
        ),
    ),
    DemoProduct(
        key="yichun_battery_cell_prices",
        vendor="yichun_lithium",
        board="lithium",
        title_zh="动力与储能电芯价格周度接口",
        title_en="EV and energy-storage battery cell prices, weekly API",
        summary_zh="磷酸铁锂、三元、储能与钠离子电芯的每周均价（元/Wh）及涨跌。",
        summary_en="Weekly average prices (CNY/Wh) of LFP, NCM, energy-storage and sodium-ion "
        "battery cells, with weekly change.",
        description=about(
            "采集宜春及周边电池企业的电芯成交报价，按电芯类型给出周均价，"
            "适合整车、储能集成商采购比价与电池成本模型。"
        ),
        product_type=ProductType.API,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2024, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("yichun", "xinyu"),
        tags=("锂电", "电芯", "储能", "磷酸铁锂", "battery cell", "LFP", "energy storage", "API"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("2800"), commercial("9200")),
        file_format=FileFormat.JSON,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col(
                "电芯类型",
                "电芯类型",
                Each(
                    (
                        "磷酸铁锂方形动力",
                        "三元523方形",
                        "三元811圆柱",
                        "储能磷酸铁锂280Ah",
                        "储能磷酸铁锂314Ah",
                        "钠离子电芯",
                    )
                ),
            ),
            col(
                "均价(元/Wh)",
                "含税均价",
                Walk(
                    0.45, 0.015, 0.25, 0.9, decimals=3, starts=(0.42, 0.52, 0.62, 0.32, 0.30, 0.55)
                ),
            ),
            col("周涨跌(元/Wh)", "较上周", Change("均价(元/Wh)", 3)),
        ),
    ),
    DemoProduct(
        key="yichun_slag_yard_monitoring",
        vendor="yichun_lithium",
        board="lithium",
        title_zh="锂渣堆场堆存量与综合利用周度监测",
        title_en="Lithium slag yard stocks, reuse rate and leachate, weekly",
        summary_zh="云母提锂锂渣堆场的堆存量、综合利用率与渗滤液 pH、氟化物监测值。",
        summary_en="Weekly lithium slag stocks, reuse rates and leachate pH and fluoride at "
        "slag yards of lepidolite lithium refiners.",
        description=about(
            "跟踪宜春主要锂渣堆场的堆存与综合利用进展，以及渗滤液关键指标，"
            "适合环境监管、固废综合利用企业选址与 ESG 评估。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2023, 1, 2),
        coverage_end=date(2025, 6, 30),
        regions=("yichun",),
        tags=("锂渣", "固废", "综合利用", "lithium slag", "solid waste", "ESG", "monitoring"),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(research("900"), commercial("4800")),
        file_format=FileFormat.CSV,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col(
                "堆场",
                "锂渣堆场",
                Each(("宜丰新庄堆场", "奉新赤岸堆场", "袁州西村堆场", "上高泗溪堆场")),
            ),
            col(
                "堆存量(万吨)", "周末堆存量", Level(120, 0.01, spread=0.5, drift=0.003, decimals=1)
            ),
            col("综合利用率(%)", "当年累计", Level(42, 0.04, spread=0.2, drift=0.002, decimals=1)),
            col("渗滤液pH", "周均值", Uniform(6.2, 8.4, 2)),
            col("渗滤液氟化物(mg/L)", "周均值", Uniform(0.4, 3.2, 2)),
        ),
    ),
    DemoProduct(
        key="yichun_lithium_futures_basis",
        vendor="yichun_lithium",
        board="lithium",
        title_zh="碳酸锂期现价格与持仓日度接口",
        title_en="Lithium carbonate futures and spot prices with open interest, daily API",
        summary_zh="碳酸锂现货价、期货主力结算价、持仓量与成交量，便于计算期现基差。",
        summary_en="Lithium carbonate spot price, front futures settlement, open interest and "
        "volume each trading day, for basis analysis.",
        description=about(
            "将宜春碳酸锂现货价与期货主力合约结算价、持仓和成交对齐到交易日，"
            "方便锂盐企业套期保值与贸易商基差交易。"
        ),
        product_type=ProductType.API,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2024, 6, 3),
        coverage_end=date(2025, 6, 30),
        regions=("yichun",),
        tags=("碳酸锂", "期货", "基差", "lithium carbonate", "futures", "basis", "hedging", "API"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("3000"), commercial("9900")),
        file_format=FileFormat.JSON,
        fields=(
            col("日期", "交易日", Period(weekdays_only=True)),
            col("碳酸锂现货价(元/吨)", "电池级现货均价", Walk(80000, 0.012, 70000, 110000)),
            col(
                "期货主力结算价(元/吨)",
                "主力合约结算价",
                Around("碳酸锂现货价(元/吨)", -3500, 3000),
            ),
            col("持仓量(手)", "主力合约持仓", Walk(380000, 0.03, 150000, 600000)),
            col("成交量(手)", "主力合约成交", Uniform(120000, 900000)),
        ),
    ),
    DemoProduct(
        key="yichun_battery_recycling_prices",
        vendor="yichun_lithium",
        board="lithium",
        title_zh="退役动力电池回收价格周度数据",
        title_en="Retired EV battery recycling prices, weekly",
        summary_zh="三元与磷酸铁锂极片粉、电池包等回收料的周度回收价、折扣系数与成交量。",
        summary_en="Weekly prices, payable discounts and volumes for retired EV battery "
        "packs and black mass (NCM and LFP).",
        description=about(
            "统计宜春再生锂资源回收市场的分品类报价，折扣系数按金属含量计价，"
            "适合回收企业采购定价与梯次利用评估。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2024, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("yichun",),
        tags=("电池回收", "黑粉", "锂电", "battery recycling", "black mass", "lithium"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("1600"), commercial("5200")),
        file_format=FileFormat.CSV,
        status=ListingStatus.SUBMITTED,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col(
                "品类",
                "回收料品类",
                Each(
                    ("三元极片粉", "磷酸铁锂极片粉", "钴酸锂电池", "三元电池包", "磷酸铁锂电池包")
                ),
            ),
            col(
                "回收价(元/吨)",
                "含税回收价",
                Walk(30000, 0.03, 18000, 50000, starts=(42000, 9500, 56000, 28000, 7200)),
            ),
            col("折扣系数(%)", "按金属含量计价的折扣", Uniform(55, 78, 1)),
            col("成交量(吨)", "样本企业当周成交", Uniform(20, 600)),
        ),
    ),
)
