"""Demo products on the chemicals and petrochemicals boards, from Jiujiang."""

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
    Around,
    Change,
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
    ProductType,
    Territory,
    UpdateFrequency,
)

PARK_ENTERPRISES = (
    "园区企业A（有机硅）", "园区企业B（氟化工）", "园区企业C（农药中间体）",
    "园区企业D（精细化工）", "园区污水处理厂",
)  # fmt: skip

CHEMICAL_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        key="jiujiang_park_emissions",
        vendor="jiujiang_chemicals",
        board="chemicals",
        title_zh="九江化工园区企业废水废气排放日度监测",
        title_en="Jiujiang chemical park wastewater and air emissions by enterprise, daily",
        summary_zh="园区重点排污单位每日废水排放量、COD、氨氮与 VOCs 浓度。",
        summary_en="Daily wastewater discharge, COD, ammonia nitrogen and VOC concentrations "
        "at the chemical park's key dischargers.",
        description=about(
            "来自园区污染源在线监控平台的日均值，企业已按行业编号处理，"
            "适合园区环境管理、第三方环保服务与排污许可执行评估。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2025, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("jiujiang",),
        tags=(
            "化工园区",
            "排放",
            "废水",
            "VOCs",
            "chemical park",
            "emissions",
            "wastewater",
            "environment",
        ),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("2600"), research("1300")),
        file_format=FileFormat.CSV,
        versions=2,
        fields=(
            col("日期", "监测日", Period()),
            col("企业", "园区排污单位（已编号）", Each(PARK_ENTERPRISES)),
            col("废水排放量(吨)", "当日排放量", Level(1800, 0.12, spread=0.6)),
            col("化学需氧量COD(mg/L)", "日均浓度", Level(48, 0.15, spread=0.3, decimals=1)),
            col("氨氮(mg/L)", "日均浓度", Level(3.5, 0.2, spread=0.4, decimals=2)),
            col(
                "挥发性有机物VOCs(mg/m³)",
                "有组织排放日均浓度",
                Level(22, 0.25, spread=0.5, decimals=1),
            ),
        ),
    ),
    DemoProduct(
        key="jiujiang_silicone_prices",
        vendor="jiujiang_chemicals",
        board="chemicals",
        title_zh="有机硅DMC与金属硅价格日度数据",
        title_en="Silicone DMC and silicon metal prices, daily",
        summary_zh="有机硅 DMC、107 胶、生胶与金属硅 553# 的每日出厂价。",
        summary_en="Daily ex-works prices of silicone DMC, 107 silicone rubber, raw gum and "
        "553 silicon metal.",
        description=about(
            "九江是全国重要的有机硅单体生产基地，本产品汇总园区及周边有机硅产业链主要产品报价，"
            "适合下游硅橡胶、密封胶企业采购与价格研究。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2024, 1, 2),
        coverage_end=date(2025, 6, 30),
        regions=("jiujiang",),
        tags=("有机硅", "DMC", "金属硅", "化工", "silicone", "silicon metal", "chemicals", "price"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("2400"), commercial("7600")),
        file_format=FileFormat.CSV,
        fields=(
            col("日期", "交易日", Period(weekdays_only=True)),
            col("有机硅DMC(元/吨)", "出厂含税价", Walk(13500, 0.01, 11000, 18000)),
            col("107胶(元/吨)", "出厂含税价", Around("有机硅DMC(元/吨)", 300, 800)),
            col("生胶(元/吨)", "出厂含税价", Around("有机硅DMC(元/吨)", 200, 700)),
            col("金属硅553#(元/吨)", "出厂含税价", Walk(11500, 0.008, 9000, 14000)),
        ),
    ),
    DemoProduct(
        key="jiujiang_chemical_energy",
        vendor="jiujiang_chemicals",
        board="chemicals",
        title_zh="化工园区重点企业能耗与碳排放月度数据",
        title_en="Chemical park enterprises' energy consumption and carbon emissions, monthly",
        summary_zh="园区八家重点企业的月度综合能耗、万元产值能耗、用电量与二氧化碳排放。",
        summary_en="Monthly energy consumption, energy per unit of output value, electricity "
        "and CO2 emissions of eight key enterprises in the park.",
        description=about(
            "汇总园区重点用能企业的能源计量数据，折算综合能耗（tce）与碳排放，"
            "可用于园区能耗双控、绿色工厂评价和碳资产管理。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2023, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("jiujiang",),
        tags=(
            "化工",
            "能耗",
            "碳排放",
            "万元产值能耗",
            "chemicals",
            "energy consumption",
            "carbon emissions",
        ),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("3800"), research("1900"), commercial("12600")),
        file_format=FileFormat.XLSX,
        fields=(
            col("月份", "统计月份", Period()),
            col("企业", "园区企业（已编号）", Each(tuple(f"园区企业{c}" for c in "ABCDEFGH"))),
            col("综合能耗(tce)", "当月综合能耗，折标准煤", Level(6500, 0.08, spread=0.7)),
            col(
                "万元产值能耗(tce/万元)",
                "当月单位产值能耗",
                Level(0.62, 0.06, spread=0.5, drift=-0.004, decimals=3),
            ),
            col("用电量(万kWh)", "当月用电", Level(1800, 0.08, spread=0.7)),
            col("二氧化碳排放(tCO2)", "按排放因子折算", Scaled("综合能耗(tce)", 2.4, 2.7)),
        ),
    ),
    DemoProduct(
        key="jiujiang_hazchem_tanks",
        vendor="jiujiang_chemicals",
        board="chemicals",
        title_zh="危险化学品储罐液位、温度与压力实时监测",
        title_en="Hazardous chemical tank level, temperature and pressure, real time",
        summary_zh="重大危险源储罐的液位、温度、压力与报警状态小时数据，属重要数据。",
        summary_en="Hourly level, temperature, pressure and alarm status of major-hazard "
        "chemical storage tanks — important data.",
        description=about(
            "来自园区危险化学品安全风险监测预警系统，覆盖甲醇、液氯、氯甲烷、丙烯腈储罐，"
            "可服务应急管理、安全生产责任保险精算与园区安全评估。"
        ),
        product_type=ProductType.API,
        update_frequency=UpdateFrequency.REALTIME,
        coverage_start=date(2025, 6, 23),
        coverage_end=date(2025, 6, 30),
        regions=("jiujiang",),
        tags=(
            "危险化学品",
            "储罐",
            "重大危险源",
            "安全生产",
            "hazardous chemicals",
            "storage tank",
            "safety",
            "real time",
        ),
        grade=Grade.IMPORTANT,
        grade_justification=(
            "含危险化学品重大危险源储罐实时工况，被篡改或泄露可能危害公共安全，属于"
            " GB/T 43697-2024 所称重要数据；经监管方审核同意后挂牌，仅向境内主体内部使用授权。"
        ),
        offers=(
            internal("12000", months=6),
            internal("20000", territory=Territory.MAINLAND, seats=3),
        ),
        file_format=FileFormat.JSON,
        fields=(
            col("时间", "监测小时", Period()),
            col(
                "储罐",
                "储罐位号及介质",
                Each(("T101 甲醇", "T102 甲醇", "T201 液氯", "T301 氯甲烷", "T401 丙烯腈")),
            ),
            col("液位(%)", "小时末液位", Walk(60, 0.03, 15, 90, decimals=1)),
            col("温度(℃)", "小时均值", Level(22, 0.08, spread=0.3, decimals=1)),
            col(
                "压力(kPa)",
                "小时均值（表压）",
                Level(1, 0.03, decimals=1, bases=(105, 105, 620, 480, 110)),
            ),
            col(
                "报警状态",
                "系统报警",
                Pick(("正常", "高液位预警", "低液位预警"), (0.97, 0.02, 0.01)),
            ),
        ),
    ),
    DemoProduct(
        key="jiujiang_refinery_output",
        vendor="jiujiang_chemicals",
        board="petrochemicals",
        title_zh="九江炼化主要产品产量、开工率与出厂价月度数据",
        title_en="Jiujiang refinery product output, utilisation and prices, monthly",
        summary_zh="汽油、柴油、航煤、液化气、聚丙烯与对二甲苯的月产量、装置开工率和出厂价。",
        summary_en="Monthly output, unit utilisation and ex-works prices of gasoline, diesel, "
        "jet fuel, LPG, polypropylene and paraxylene.",
        description=about(
            "汇总九江沿江炼化一体化园区主要石化产品的产量与价格，"
            "适合成品油与化工品贸易、物流规划和区域能源平衡研究。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2021, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("jiujiang",),
        tags=(
            "石化",
            "炼油",
            "成品油",
            "聚丙烯",
            "petrochemicals",
            "refinery",
            "gasoline",
            "diesel",
            "polypropylene",
        ),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("3300"), commercial("10800")),
        file_format=FileFormat.CSV,
        fields=(
            col("月份", "统计月份", Period()),
            col(
                "产品",
                "主要产品",
                Each(("汽油", "柴油", "航空煤油", "液化石油气", "聚丙烯", "对二甲苯PX")),
            ),
            col("产量(万吨)", "当月产量", Level(1, 0.06, decimals=2, bases=(32, 38, 9, 6, 5, 7))),
            col("装置开工率(%)", "对应装置开工率", Uniform(72, 98, 1)),
            col(
                "出厂价(元/吨)",
                "含税出厂价",
                Walk(7000, 0.02, 5000, 9500, starts=(8900, 7600, 6200, 4800, 7600, 7200)),
            ),
        ),
    ),
    DemoProduct(
        key="jiujiang_fertiliser_prices",
        vendor="jiujiang_chemicals",
        board="chemicals",
        title_zh="化肥出厂价格周度数据",
        title_en="Fertiliser ex-factory prices, weekly",
        summary_zh="尿素、磷酸一铵、磷酸二铵、氯化钾与复合肥的每周出厂价、涨跌与库存天数。",
        summary_en="Weekly ex-factory prices, changes and days of stock for urea, MAP, DAP, "
        "potash and compound fertiliser.",
        description=about(
            "跟踪江西化肥生产与流通企业的出厂报价，服务农资经销、农业合作社采购与春耕备肥决策。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2023, 1, 2),
        coverage_end=date(2025, 6, 30),
        regions=("jiujiang", "nanchang", "yichun"),
        tags=("化肥", "尿素", "复合肥", "化工", "fertiliser", "urea", "chemicals", "price"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("1200"), commercial("3900")),
        file_format=FileFormat.CSV,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col(
                "品种",
                "化肥品种",
                Each(("尿素", "磷酸一铵", "磷酸二铵", "氯化钾", "45%硫基复合肥")),
            ),
            col(
                "出厂价(元/吨)",
                "含税出厂价",
                Walk(2800, 0.02, 2000, 3800, starts=(2100, 3100, 3600, 2600, 2900)),
            ),
            col("周涨跌(元/吨)", "较上周", Change("出厂价(元/吨)")),
            col("库存天数(天)", "样本企业库存可用天数", Uniform(5, 25)),
        ),
    ),
)
