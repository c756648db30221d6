"""Demo products on the non-ferrous metals board: tungsten and rare earths from Ganzhou."""

from __future__ import annotations

from datetime import date

from exchange.demo.products_common import (
    MARKET_GRADE,
    STATISTICS_GRADE,
    about,
    col,
    commercial,
    internal,
    research,
)
from exchange.demo.specs import (
    Around,
    DemoProduct,
    Each,
    Level,
    Period,
    Pick,
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

QUOTA_MINES = tuple(
    f"{county}{n}号矿区"
    for county in ("龙南", "定南", "寻乌", "信丰", "安远", "全南")
    for n in (1, 2)
)

RARE_EARTH_IMPORTANT = (
    "涉及稀土这一国家战略性矿产的分产品产量与库存，可反映重点行业生产运行态势，"
    "属于 GB/T 43697-2024 所称重要数据；经监管方审核同意后挂牌，仅向境内主体授权，不得转授权。"
)

RARE_METAL_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        key="ganzhou_tungsten_prices",
        vendor="ganzhou_tungsten",
        board="nonferrous",
        title_zh="赣州钨精矿与仲钨酸铵（APT）价格日度数据",
        title_en="Ganzhou tungsten concentrate and APT prices, daily",
        summary_zh="黑钨精矿、白钨精矿、仲钨酸铵（APT）和钨粉的每日市场价格。",
        summary_en="Daily market prices of wolframite and scheelite concentrate, ammonium "
        "paratungstate (APT) and tungsten powder.",
        description=about(
            "跟踪赣南钨产业链主要产品的日度报价，覆盖原料、冶炼中间品和钨粉，"
            "适合硬质合金企业采购定价与钨价周期研究。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2023, 1, 2),
        coverage_end=date(2025, 6, 30),
        regions=("ganzhou",),
        tags=("钨", "钨精矿", "APT", "仲钨酸铵", "tungsten", "tungsten concentrate", "price"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("3200"), commercial("9800")),
        file_format=FileFormat.CSV,
        versions=2,
        fields=(
            col("日期", "交易日", Period(weekdays_only=True)),
            col("黑钨精矿65%(元/标吨)", "WO3 65% 黑钨精矿", Walk(142000, 0.006, 110000, 190000)),
            col(
                "白钨精矿65%(元/标吨)",
                "WO3 65% 白钨精矿",
                Around("黑钨精矿65%(元/标吨)", -1500, -500),
            ),
            col("仲钨酸铵APT(元/吨)", "国标零级 APT", Scaled("黑钨精矿65%(元/标吨)", 1.48, 1.5)),
            col("钨粉(元/公斤)", "中颗粒钨粉", Scaled("仲钨酸铵APT(元/吨)", 0.00148, 0.00152, 1)),
        ),
    ),
    DemoProduct(
        key="ganzhou_rare_earth_oxide_prices",
        vendor="ganzhou_tungsten",
        board="nonferrous",
        title_zh="氧化镨钕、氧化镝、氧化铽等稀土价格日度接口",
        title_en="Rare-earth prices (PrNd oxide, dysprosium, terbium oxide), daily API",
        summary_zh="氧化镨钕、金属镨钕、氧化镝、氧化铽、氧化钇每日报价，接口推送。",
        summary_en="Daily quotes for praseodymium-neodymium (PrNd) oxide and metal, "
        "dysprosium oxide, terbium oxide and yttrium oxide, as an API feed.",
        description=about(
            "汇集赣州稀土交易市场主流稀土氧化物与金属的每日成交参考价，"
            "服务磁材企业原料采购、贸易商定价与稀土价格研究。"
        ),
        product_type=ProductType.API,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2024, 1, 2),
        coverage_end=date(2025, 6, 30),
        regions=("ganzhou",),
        tags=("稀土", "氧化镨钕", "氧化镝", "氧化铽", "rare earth", "PrNd oxide", "price", "API"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("4200"), commercial("13800")),
        file_format=FileFormat.JSON,
        accuracy=0.98,
        fields=(
            col("日期", "交易日", Period(weekdays_only=True)),
            col("氧化镨钕(元/吨)", "Pr6O11+Nd2O3 ≥99%", Walk(420000, 0.012, 330000, 620000)),
            col("金属镨钕(元/吨)", "PrNd ≥99%", Scaled("氧化镨钕(元/吨)", 1.22, 1.24)),
            col("氧化镝(元/公斤)", "Dy2O3 ≥99.5%", Walk(1750, 0.01, 1400, 2700)),
            col("氧化铽(元/公斤)", "Tb4O7 ≥99.99%", Walk(6500, 0.012, 5000, 9500)),
            col("氧化钇(元/吨)", "Y2O3 ≥99.999%", Walk(45000, 0.005, 38000, 60000)),
        ),
    ),
    DemoProduct(
        key="ganzhou_rare_earth_output",
        vendor="ganzhou_tungsten",
        board="nonferrous",
        title_zh="赣州稀土冶炼分离产品产量与库存月度数据",
        title_en="Ganzhou rare-earth separation output and stocks by oxide, monthly",
        summary_zh="按产品统计的稀土冶炼分离月产量、期末库存与产能利用率，属战略性矿产重要数据。",
        summary_en="Monthly output, closing stocks and capacity utilisation of separated "
        "rare-earth oxides — important data on a strategic mineral.",
        description=about(
            "覆盖氧化镨钕、氧化镝、氧化铽、氧化钇等七类分离产品，反映赣州中重稀土冶炼分离的"
            "生产运行情况，仅面向经审核的境内主体提供。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2021, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("ganzhou",),
        tags=(
            "稀土",
            "冶炼分离",
            "产量",
            "战略矿产",
            "rare earth",
            "separation",
            "output",
            "strategic mineral",
        ),
        grade=Grade.IMPORTANT,
        grade_justification=RARE_EARTH_IMPORTANT,
        offers=(internal("28000"), research("16000", seats=2)),
        file_format=FileFormat.XLSX,
        declared_note="产量为分产品汇总，不含单个企业数据。",
        fields=(
            col("月份", "统计月份", Period()),
            col(
                "产品",
                "分离产品",
                Each(("氧化镨钕", "氧化镝", "氧化铽", "氧化钇", "氧化铕", "氧化镧", "氧化铈")),
            ),
            col(
                "产量(吨)",
                "当月产量（REO）",
                Level(1, 0.08, decimals=1, bases=(820, 48, 9, 260, 2.5, 610, 900)),
            ),
            col("期末库存(吨)", "月末库存", Scaled("产量(吨)", 0.3, 0.9, 1)),
            col("产能利用率(%)", "当月产能利用率", Uniform(68, 95, 1)),
        ),
    ),
    DemoProduct(
        key="ganzhou_mine_restoration",
        vendor="ganzhou_tungsten",
        board="nonferrous",
        title_zh="离子型稀土矿区生态修复监测月度数据",
        title_en="Ionic rare-earth mine ecological restoration monitoring, monthly",
        summary_zh="龙南、定南、寻乌等历史稀土矿区的地表水氨氮、pH、植被覆盖率与累计修复面积。",
        summary_en="Ammonia nitrogen and pH in surface water, vegetation cover and restored "
        "area at former ionic rare-earth mines in southern Ganzhou.",
        description=about(
            "记录赣南离子型稀土历史矿区生态修复工程的月度监测结果，可用于修复成效评估、"
            "绿色矿山建设与 ESG 披露。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2021, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("ganzhou",),
        tags=(
            "稀土",
            "矿山修复",
            "生态",
            "氨氮",
            "rare earth",
            "mine restoration",
            "ESG",
            "water quality",
        ),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(research("1200"), commercial("5600")),
        file_format=FileFormat.CSV,
        fields=(
            col("月份", "监测月份", Period()),
            col("矿区", "历史矿区所在县", Each(("龙南", "定南", "寻乌", "信丰", "安远", "全南"))),
            col(
                "地表水氨氮(mg/L)",
                "矿区下游断面月均值",
                Level(2.2, 0.2, spread=0.5, drift=-0.01, decimals=2),
            ),
            col("地表水pH", "月均值", Uniform(5.6, 7.4, 2)),
            col("植被覆盖率(%)", "遥感解译", Level(62, 0.03, spread=0.15, drift=0.004, decimals=1)),
            col("累计修复面积(公顷)", "工程累计完成", Level(800, 0.002, spread=0.6, drift=0.01)),
        ),
    ),
    DemoProduct(
        key="ganzhou_tungsten_exports",
        vendor="ganzhou_tungsten",
        board="nonferrous",
        title_zh="钨制品出口量与出口额月度数据",
        title_en="Tungsten product exports by product, monthly",
        summary_zh="仲钨酸铵、氧化钨、钨粉、碳化钨、硬质合金与钨材的月度出口量、出口额和主要目的地。",
        summary_en="Monthly export volumes and values of APT, tungsten oxide, tungsten powder, "
        "tungsten carbide, cemented carbide and tungsten products, with main destinations.",
        description=about(
            "按产品汇总赣州钨企业月度出口情况，适合海外市场分析、出口管制合规评估与行业研究。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2021, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("ganzhou",),
        tags=("钨", "出口", "硬质合金", "tungsten", "exports", "cemented carbide", "trade"),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("2400"), commercial("8600")),
        file_format=FileFormat.CSV,
        fields=(
            col("月份", "统计月份", Period()),
            col(
                "产品",
                "出口产品",
                Each(("仲钨酸铵APT", "氧化钨", "钨粉", "碳化钨", "硬质合金", "钨材")),
            ),
            col(
                "出口量(吨)",
                "当月出口量",
                Level(1, 0.18, decimals=1, bases=(60, 350, 180, 420, 260, 150)),
            ),
            col("出口额(万美元)", "当月出口额", Scaled("出口量(吨)", 3.5, 6, 1)),
            col("同比(%)", "出口量同比", Uniform(-25, 30, 1)),
            col(
                "主要目的地",
                "出口额最大的目的地",
                Pick(("日本", "韩国", "美国", "德国", "荷兰", "印度")),
            ),
        ),
    ),
    DemoProduct(
        key="ganzhou_ndfeb_orders",
        vendor="ganzhou_tungsten",
        board="nonferrous",
        title_zh="钕铁硼永磁材料订单与价格周度数据",
        title_en="NdFeB permanent magnet orders and prices by grade, weekly",
        summary_zh="N35 至 35EH 等牌号烧结钕铁硼的每周订单量、均价与交期。",
        summary_en="Weekly orders, average prices and lead times of sintered NdFeB magnets, "
        "grades N35 to 35EH.",
        description=about(
            "统计赣州磁材企业分牌号订单与报价，反映新能源汽车、风电与消费电子对稀土永磁的需求，"
            "适合磁材企业排产与下游采购比价。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2024, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("ganzhou",),
        tags=("稀土", "钕铁硼", "永磁", "磁材", "NdFeB", "magnet", "rare earth", "orders"),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("2800"), commercial("9600")),
        file_format=FileFormat.XLSX,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col("牌号", "烧结钕铁硼牌号", Each(("N35", "N42", "N52", "42SH", "38UH", "35EH"))),
            col("订单量(吨)", "本周新增订单", Level(120, 0.15, spread=0.6, decimals=1)),
            col(
                "均价(元/公斤)",
                "毛坯均价",
                Walk(260, 0.02, 180, 520, decimals=1, starts=(190, 230, 300, 280, 340, 420)),
            ),
            col("交期(天)", "平均交货周期", Uniform(15, 45)),
        ),
    ),
    DemoProduct(
        key="ganzhou_rare_earth_mining_quota",
        vendor="ganzhou_tungsten",
        board="nonferrous",
        title_zh="稀土开采总量控制指标分矿明细",
        title_en="Rare-earth mining quota allocation and extraction by mine",
        summary_zh="各矿区年度稀土开采总量控制指标与实际开采量明细（核心数据，不可挂牌）。",
        summary_en="Annual rare-earth mining quotas and actual extraction by mine — core data, "
        "never listable.",
        description=about(
            "分矿区列示历年稀土开采总量控制指标与实际开采量。此类数据关系国家战略资源安全，"
            "在平台上仅作为草稿存在，用于演示核心数据提交时的拒绝。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.YEARLY,
        coverage_start=date(2014, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("ganzhou",),
        tags=("稀土", "开采指标", "总量控制", "rare earth", "mining quota", "core data"),
        grade=Grade.CORE,
        grade_justification=(
            "分矿开采总量控制指标与实际开采量直接关系国家战略资源安全与经济安全，"
            "属于 GB/T 43697-2024 所称核心数据，依法不得挂牌交易。"
        ),
        offers=(internal("50000"),),
        file_format=FileFormat.CSV,
        status=ListingStatus.DRAFT,
        fields=(
            col("年度", "指标年度", Period()),
            col(
                "矿区",
                "采矿权所在矿区",
                Each(QUOTA_MINES),
            ),
            col("开采指标(吨REO)", "年度开采总量控制指标", Level(1500, 0.05, spread=0.5)),
            col("实际开采量(吨REO)", "年度实际开采量", Scaled("开采指标(吨REO)", 0.85, 0.99)),
            col("中重稀土占比(%)", "中重稀土配分", Uniform(35, 80, 1)),
        ),
    ),
    DemoProduct(
        key="ganzhou_tungsten_mine_output",
        vendor="ganzhou_tungsten",
        board="nonferrous",
        title_zh="钨矿山采选产量与入选品位月度数据",
        title_en="Tungsten mine output, ore grade and recovery by mine, monthly",
        summary_zh="大余、崇义、全南等钨矿山的月度采矿量、入选品位、钨精矿产量与选矿回收率。",
        summary_en="Monthly ore mined, feed grade, concentrate output and recovery at "
        "tungsten mines in Dayu, Chongyi, Quannan and elsewhere.",
        description=about(
            "分矿山记录钨矿采选生产指标，可反映战略性矿产供给能力，按重要数据管理，"
            "提交后等待监管方审核。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2022, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("ganzhou",),
        tags=("钨", "钨矿", "采选", "品位", "tungsten", "mine output", "ore grade"),
        grade=Grade.IMPORTANT,
        grade_justification=(
            "分矿山的钨精矿产量与品位可推断战略性矿产的供给能力，属于 GB/T 43697-2024 所称"
            "重要数据，须经监管方审核后方可挂牌。"
        ),
        offers=(internal("18000"),),
        file_format=FileFormat.CSV,
        status=ListingStatus.IN_REVIEW,
        fields=(
            col("月份", "统计月份", Period()),
            col("矿山", "矿山", Each(("大余矿区", "崇义矿区", "全南矿区", "于都矿区", "兴国矿区"))),
            col("采矿量(万吨)", "当月出矿量", Level(8, 0.08, spread=0.5, decimals=2)),
            col("入选品位WO3(%)", "入选原矿 WO3 品位", Uniform(0.25, 0.65, 3)),
            col("钨精矿产量(标吨)", "折 WO3 65% 标吨", Level(600, 0.1, spread=0.5)),
            col("选矿回收率(%)", "当月选矿回收率", Uniform(78, 90, 1)),
        ),
    ),
)
