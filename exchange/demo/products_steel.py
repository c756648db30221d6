"""Demo products on the steel board, from Xinyu."""

from __future__ import annotations

from datetime import date

from exchange.demo.products_common import (
    MARKET_GRADE,
    OPERATIONS_GRADE,
    about,
    col,
    commercial,
    internal,
    research,
)
from exchange.demo.specs import (
    Around,
    Day,
    DemoProduct,
    Each,
    Level,
    Period,
    Pick,
    Serial,
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

STEEL_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        key="xinyu_steel_energy_per_tonne",
        vendor="xinyu_steel",
        board="steel",
        title_zh="新余钢厂吨钢能耗与工序能耗月度数据",
        title_en="Xinyu steel mill energy consumption per tonne of steel, by process, monthly",
        summary_zh="烧结、焦化、高炉、转炉、电炉、轧钢各工序能耗与吨钢综合能耗、电耗、余能回收和碳排放。",
        summary_en="Energy use per tonne of steel by process (sintering, coking, blast "
        "furnace, converter, EAF, rolling), electricity, energy recovery and CO2.",
        description=about(
            "按月记录新余钢铁联合企业各工序能耗（kgce/t）与吨钢综合能耗，"
            "可对标《粗钢生产主要工序单位产品能源消耗限额》，用于节能诊断、超低排放与碳核算。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2022, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("xinyu",),
        tags=(
            "钢铁",
            "吨钢能耗",
            "能耗",
            "工序能耗",
            "碳排放",
            "steel",
            "energy consumption",
            "energy per tonne",
            "kgce",
        ),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("4800"), research("2400"), commercial("16800")),
        file_format=FileFormat.XLSX,
        versions=2,
        accuracy=0.97,
        fields=(
            col("月份", "统计月份", Period()),
            col(
                "工序",
                "生产工序，吨钢综合为全厂",
                Each(
                    (
                        "烧结",
                        "球团",
                        "焦化",
                        "高炉炼铁",
                        "转炉炼钢",
                        "电炉炼钢",
                        "热轧",
                        "冷轧",
                        "吨钢综合",
                    )
                ),
            ),
            col(
                "工序能耗(kgce/t)",
                "每吨产品工序能耗，折标准煤；转炉为负能炼钢",
                Level(
                    1,
                    0.03,
                    drift=-0.0015,
                    decimals=1,
                    bases=(46, 22, 105, 372, -22, 58, 52, 48, 548),
                ),
            ),
            col(
                "电耗(kWh/t)",
                "每吨产品电耗",
                Level(1, 0.04, decimals=1, bases=(38, 30, 32, 25, 28, 380, 110, 140, 460)),
            ),
            col(
                "余热余能回收(kgce/t)",
                "每吨产品回收余热余能",
                Level(1, 0.08, decimals=1, bases=(8, 3, 35, 25, 28, 6, 4, 2, 95)),
            ),
            col(
                "二氧化碳排放(tCO2/t)",
                "每吨产品二氧化碳排放",
                Level(
                    1, 0.03, decimals=3, bases=(0.18, 0.07, 0.25, 1.35, 0.05, 0.45, 0.12, 0.1, 1.85)
                ),
            ),
        ),
    ),
    DemoProduct(
        key="xinyu_steel_prices",
        vendor="xinyu_steel",
        board="steel",
        title_zh="螺纹钢、热卷、中厚板与冷轧现货价格日度数据",
        title_en="Rebar, hot-rolled coil, plate and cold-rolled steel spot prices, daily",
        summary_zh="新余及赣中市场螺纹钢、热轧卷板、中厚板、冷轧板卷每日现货价。",
        summary_en="Daily spot prices of rebar, hot-rolled coil, medium plate and cold-rolled "
        "coil in Xinyu and central Jiangxi.",
        description=about(
            "采集新余及周边钢材市场主流规格的日度成交价，适合钢贸商定价、建筑企业采购与钢价研究。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2023, 1, 2),
        coverage_end=date(2025, 6, 30),
        regions=("xinyu", "nanchang"),
        tags=("钢铁", "螺纹钢", "热卷", "钢价", "steel", "rebar", "hot-rolled coil", "price"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("2600"), commercial("8600")),
        file_format=FileFormat.CSV,
        fields=(
            col("日期", "交易日", Period(weekdays_only=True)),
            col("螺纹钢HRB400E Φ20(元/吨)", "含税现货价", Walk(3550, 0.01, 3000, 4300)),
            col(
                "热轧卷板Q235 5.75mm(元/吨)",
                "含税现货价",
                Around("螺纹钢HRB400E Φ20(元/吨)", -80, 220),
            ),
            col(
                "中厚板Q235B 20mm(元/吨)",
                "含税现货价",
                Around("螺纹钢HRB400E Φ20(元/吨)", 100, 350),
            ),
            col("冷轧板卷1.0mm(元/吨)", "含税现货价", Around("螺纹钢HRB400E Φ20(元/吨)", 500, 900)),
        ),
    ),
    DemoProduct(
        key="xinyu_blast_furnace_daily",
        vendor="xinyu_steel",
        board="steel",
        title_zh="高炉铁水产量、焦比与煤比日度接口",
        title_en="Blast furnace hot metal output, coke rate and coal rate, daily API",
        summary_zh="三座高炉每日铁水产量、焦比、煤比与利用系数。",
        summary_en="Daily hot metal output, coke rate, pulverised coal rate and productivity "
        "of three blast furnaces.",
        description=about(
            "从炼铁厂生产管理系统汇总每座高炉的日产量与燃料比，适合原燃料采购计划与炼铁工艺优化。"
        ),
        product_type=ProductType.API,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2025, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("xinyu",),
        tags=("钢铁", "高炉", "铁水", "焦比", "steel", "blast furnace", "hot metal", "coke rate"),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("3400"), research("1600")),
        file_format=FileFormat.JSON,
        fields=(
            col("日期", "生产日", Period()),
            col("高炉", "高炉编号", Each(("1号高炉", "2号高炉", "3号高炉"))),
            col("铁水产量(吨)", "当日出铁量", Level(1, 0.04, bases=(6200, 7800, 9500))),
            col("焦比(kg/t)", "每吨铁水焦炭消耗", Level(345, 0.02, spread=0.05)),
            col("煤比(kg/t)", "每吨铁水喷煤量", Level(160, 0.04, spread=0.08)),
            col("利用系数(t/m³·d)", "每立方米有效容积日产铁水", Uniform(2.3, 2.7, 2)),
        ),
    ),
    DemoProduct(
        key="xinyu_stack_emissions",
        vendor="xinyu_steel",
        board="steel",
        title_zh="钢厂超低排放在线监测小时数据",
        title_en="Steel mill ultra-low emission monitoring, hourly",
        summary_zh="烧结机头、球团、高炉出铁场、转炉二次除尘排口的颗粒物、二氧化硫、氮氧化物小时浓度。",
        summary_en="Hourly particulate, SO2 and NOx concentrations and flue gas flow at the "
        "mill's main stacks under the ultra-low emission standard.",
        description=about(
            "来自烟气排放连续监测系统（CEMS）的小时均值，可用于超低排放评估、环保绩效分级与"
            "大气污染溯源研究。"
        ),
        product_type=ProductType.API,
        update_frequency=UpdateFrequency.REALTIME,
        coverage_start=date(2025, 6, 17),
        coverage_end=date(2025, 6, 30),
        regions=("xinyu",),
        tags=("钢铁", "超低排放", "CEMS", "颗粒物", "steel", "emissions", "ultra-low emission"),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("2200", months=6), research("1200")),
        file_format=FileFormat.PARQUET,
        fields=(
            col("时间", "监测小时", Period()),
            col("排口", "排放口", Each(("烧结机头", "球团焙烧", "高炉出铁场", "转炉二次除尘"))),
            col("颗粒物(mg/m³)", "小时均值（标态干基）", Level(4, 0.25, spread=0.4, decimals=2)),
            col("二氧化硫(mg/m³)", "小时均值（标态干基）", Level(18, 0.3, spread=0.5, decimals=1)),
            col("氮氧化物(mg/m³)", "小时均值（标态干基）", Level(32, 0.2, spread=0.4, decimals=1)),
            col("烟气流量(万m³/h)", "标态烟气流量", Level(80, 0.06, spread=0.6, decimals=1)),
        ),
    ),
    DemoProduct(
        key="xinyu_iron_ore_stocks",
        vendor="xinyu_steel",
        board="steel",
        title_zh="铁矿石到厂量与厂内库存周度数据",
        title_en="Iron ore deliveries, stocks and prices by ore type, weekly",
        summary_zh="PB粉、卡粉、巴西混合粉、球团与国产精粉的周到厂量、库存、日耗与到厂价。",
        summary_en="Weekly deliveries, stocks, daily consumption and delivered prices of iron "
        "ore fines, pellets and domestic concentrate.",
        description=about("汇总钢厂各矿种原料的进厂、库存与消耗，可支撑配矿优化与采购节奏决策。"),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2023, 1, 2),
        coverage_end=date(2025, 6, 30),
        regions=("xinyu",),
        tags=("铁矿石", "库存", "钢铁", "iron ore", "inventory", "steel", "raw materials"),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("2000"), commercial("6800")),
        file_format=FileFormat.CSV,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col(
                "矿种", "原料品种", Each(("PB粉", "卡拉加斯粉", "巴西混合粉", "球团矿", "国产精粉"))
            ),
            col("到厂量(万吨)", "当周到厂", Level(12, 0.15, spread=0.6, decimals=2)),
            col("厂内库存(万吨)", "周末库存", Level(28, 0.1, spread=0.6, decimals=2)),
            col("日耗(吨)", "当周日均消耗", Level(5200, 0.06, spread=0.6)),
            col(
                "到厂价(元/吨)",
                "含税到厂价",
                Walk(800, 0.02, 650, 1050, starts=(790, 860, 770, 980, 720)),
            ),
        ),
    ),
    DemoProduct(
        key="xinyu_silicon_steel_quality",
        vendor="xinyu_steel",
        board="steel",
        title_zh="取向硅钢钢卷质量检验数据",
        title_en="Grain-oriented electrical steel coil inspection results",
        summary_zh="取向硅钢逐卷检验结果：牌号、厚度、铁损、磁感与判定。",
        summary_en="Coil-by-coil inspection results for grain-oriented electrical steel: "
        "grade, thickness, core loss, induction and verdict.",
        description=about(
            "来自冷轧硅钢产线质量检验系统的逐卷记录，适合变压器制造商的供应商质量评估与"
            "材料性能统计分析。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2025, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("xinyu",),
        tags=(
            "硅钢",
            "电工钢",
            "质量检验",
            "铁损",
            "electrical steel",
            "silicon steel",
            "quality",
            "core loss",
        ),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("3600"), research("1800")),
        file_format=FileFormat.XLSX,
        status=ListingStatus.SUBMITTED,
        versions=2,
        rows=500,
        fields=(
            col("钢卷号", "钢卷唯一编号", Serial("XG25", 6)),
            col("牌号", "取向硅钢牌号", Pick(("23Q110", "27Q120", "30Q130", "27QG100"))),
            col("厚度偏差(mm)", "实测厚度与公称厚度之差", Uniform(-0.008, 0.008, 3)),
            col("铁损P17/50(W/kg)", "1.7T、50Hz 下铁损", Uniform(0.85, 1.25, 3)),
            col("磁感B800(T)", "800A/m 下磁感应强度", Uniform(1.88, 1.95, 3)),
            col("检验日期", "检验完成日期", Day()),
            col("判定", "质量判定", Pick(("合格", "降级", "不合格"), (0.94, 0.05, 0.01))),
        ),
    ),
    DemoProduct(
        key="xinyu_scrap_steel_prices",
        vendor="xinyu_steel",
        board="steel",
        title_zh="废钢采购价格与到厂量日度数据",
        title_en="Steel scrap purchase prices and deliveries, daily",
        summary_zh="重型、中型废钢与破碎料的每日采购价及到厂量。",
        summary_en="Daily purchase prices of heavy and medium melting scrap and shredded "
        "scrap, with deliveries.",
        description=about(
            "记录钢厂废钢采购挂牌价与到厂量，反映电炉与转炉废钢需求，适合废钢回收企业定价参考。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2024, 1, 2),
        coverage_end=date(2025, 6, 30),
        regions=("xinyu",),
        tags=("废钢", "钢铁", "再生资源", "steel scrap", "recycling", "price"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("1500"), commercial("4800")),
        file_format=FileFormat.CSV,
        fields=(
            col("日期", "交易日", Period(weekdays_only=True)),
            col("重型废钢(元/吨)", "含税到厂价", Walk(2450, 0.01, 2100, 2900)),
            col("中型废钢(元/吨)", "含税到厂价", Around("重型废钢(元/吨)", -80, -40)),
            col("破碎料(元/吨)", "含税到厂价", Around("重型废钢(元/吨)", 20, 80)),
            col("到厂量(吨)", "当日到厂", Uniform(800, 3200)),
        ),
    ),
)
