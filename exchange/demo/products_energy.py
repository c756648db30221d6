"""Demo products on the energy and transport boards: load, consumption, prices, charging."""

from __future__ import annotations

from datetime import date

from exchange.demo.products_common import (
    MARKET_GRADE,
    STATISTICS_GRADE,
    about,
    col,
    commercial,
    exclusive,
    internal,
    research,
)
from exchange.demo.specs import (
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
    UpdateFrequency,
)

CITIES = ("南昌", "九江", "景德镇", "萍乡", "新余", "鹰潭", "赣州", "吉安", "宜春", "抚州", "上饶")

ENERGY_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        key="grid_provincial_load_daily",
        vendor="ganneng_grid",
        board="energy",
        title_zh="江西电网日最高负荷与全社会用电量日度数据",
        title_en="Jiangxi grid daily peak load and electricity consumption",
        summary_zh="全省电网每日最高、最低负荷、全社会日用电量与新能源出力占比。",
        summary_en="Daily peak and minimum load of the Jiangxi grid, daily electricity "
        "consumption and the share of renewable output.",
        description=about(
            "汇总全省统调口径的日负荷特性与用电量，适合宏观经济监测、售电公司负荷预测与"
            "能源转型研究。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2024, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("nanchang", "jiujiang", "ganzhou", "shangrao", "yichun"),
        tags=(
            "电网",
            "负荷",
            "用电量",
            "能源",
            "grid load",
            "electricity consumption",
            "energy",
            "renewables",
        ),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("2800"), commercial("9600"), research("1400")),
        file_format=FileFormat.CSV,
        csv_bom=True,
        versions=3,
        fields=(
            col("日期", "统计日", Period()),
            col("最高负荷(MW)", "全省统调最高负荷", Walk(26000, 0.02, 18000, 38000)),
            col("最低负荷(MW)", "全省统调最低负荷", Scaled("最高负荷(MW)", 0.55, 0.68)),
            col("全社会日用电量(亿kWh)", "当日用电量", Scaled("最高负荷(MW)", 0.00017, 0.00019, 2)),
            col("新能源出力占比(%)", "风电与光伏发电量占比", Uniform(8, 32, 1)),
        ),
    ),
    DemoProduct(
        key="grid_industry_electricity",
        vendor="ganneng_grid",
        board="energy",
        title_zh="分行业用电量月度数据（有色、钢铁、化工、锂电等）",
        title_en="Electricity consumption by industry (non-ferrous, steel, chemicals, lithium)",
        summary_zh="有色金属冶炼、钢铁、化工、建材、纺织、电子信息、锂电与居民生活的月度用电量与同比。",
        summary_en="Monthly electricity consumption and growth for non-ferrous smelting, steel, "
        "chemicals, building materials, textiles, electronics, lithium and households.",
        description=about(
            "以用电量观察江西重点产业运行，被誉为经济“晴雨表”，适合产业研究、招商评估与金融风控。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2021, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("nanchang", "jiujiang", "ganzhou", "yichun", "xinyu", "yingtan"),
        tags=(
            "用电量",
            "电力",
            "能源",
            "产业运行",
            "electricity consumption",
            "industry",
            "energy",
            "power",
        ),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("3200"), commercial("11200"), exclusive("120000")),
        file_format=FileFormat.XLSX,
        fields=(
            col("月份", "统计月份", Period()),
            col(
                "行业",
                "国民经济行业",
                Each(
                    (
                        "有色金属冶炼",
                        "黑色金属冶炼",
                        "化学原料及制品",
                        "非金属矿物制品",
                        "纺织业",
                        "电子信息制造",
                        "锂电及新能源材料",
                        "城乡居民生活",
                    )
                ),
            ),
            col(
                "用电量(亿kWh)",
                "当月用电量",
                Level(
                    1,
                    0.07,
                    drift=0.003,
                    decimals=2,
                    bases=(12.5, 10.8, 6.2, 7.5, 2.1, 3.6, 4.8, 18),
                ),
            ),
            col("同比(%)", "用电量同比", Uniform(-6, 18, 1)),
        ),
    ),
    DemoProduct(
        key="grid_key_enterprise_energy",
        vendor="ganneng_grid",
        board="energy",
        title_zh="重点用能单位能耗在线监测月度数据",
        title_en="Energy consumption of key energy-using enterprises, monthly",
        summary_zh="十家重点用能单位的综合能耗、电力消耗、单位产值能耗与能耗强度目标完成率。",
        summary_en="Monthly energy consumption, electricity, energy per unit of output value "
        "and target attainment for ten key energy-using enterprises.",
        description=about(
            "来自重点用能单位能耗在线监测系统，企业已编号，可用于能耗双控评估、节能服务与"
            "绿色金融；因涉及重点行业运行，按重要数据管理。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2023, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("nanchang", "jiujiang", "xinyu", "yingtan", "yichun"),
        tags=(
            "能耗",
            "重点用能单位",
            "节能",
            "能耗双控",
            "energy consumption",
            "energy efficiency",
            "key enterprises",
        ),
        grade=Grade.IMPORTANT,
        grade_justification=(
            "汇集有色、钢铁、化工等重点行业企业的能源消费，可反映重点行业运行态势，属于"
            " GB/T 43697-2024 所称重要数据；经监管方审核后挂牌，仅境内内部使用。"
        ),
        offers=(internal("9800"), research("4900", seats=2)),
        file_format=FileFormat.CSV,
        fields=(
            col("月份", "统计月份", Period()),
            col(
                "用能单位",
                "重点用能单位（已编号）",
                Each(
                    (
                        "有色冶炼企业01",
                        "钢铁企业02",
                        "化工企业03",
                        "建材企业04",
                        "锂电材料企业05",
                        "造纸企业06",
                        "纺织印染企业07",
                        "光伏材料企业08",
                        "陶瓷企业09",
                        "数据中心10",
                    )
                ),
            ),
            col("综合能耗(tce)", "当月综合能耗，折标准煤", Level(25000, 0.08, spread=0.8)),
            col("电力消耗(万kWh)", "当月用电", Level(3500, 0.08, spread=0.8)),
            col(
                "单位产值能耗(tce/万元)",
                "当月单位产值能耗",
                Level(0.85, 0.05, spread=0.6, drift=-0.003, decimals=3),
            ),
            col("能耗强度目标完成率(%)", "年度目标进度", Uniform(88, 112, 1)),
        ),
    ),
    DemoProduct(
        key="grid_spot_market_prices",
        vendor="ganneng_grid",
        board="energy",
        title_zh="江西电力现货市场出清价格小时数据",
        title_en="Jiangxi electricity spot market clearing prices, hourly",
        summary_zh="日前与实时市场小时出清价、统调负荷与新能源出力。",
        summary_en="Hourly day-ahead and real-time clearing prices, system load and renewable "
        "output in the Jiangxi electricity spot market.",
        description=about(
            "整理电力现货市场公开出清结果与系统运行信息，适合售电公司报价策略、储能套利测算与"
            "电价研究。"
        ),
        product_type=ProductType.API,
        update_frequency=UpdateFrequency.REALTIME,
        coverage_start=date(2025, 5, 1),
        coverage_end=date(2025, 6, 30),
        regions=("nanchang",),
        tags=(
            "电力现货",
            "电价",
            "出清价",
            "能源",
            "electricity spot market",
            "power price",
            "energy",
            "API",
        ),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("4600"), commercial("15800")),
        file_format=FileFormat.PARQUET,
        fields=(
            col("时间", "出清小时", Period()),
            col(
                "日前出清价(元/MWh)", "日前市场统一出清价", Level(380, 0.15, decimals=2, cycle=0.35)
            ),
            col(
                "实时出清价(元/MWh)",
                "实时市场统一出清价",
                Scaled("日前出清价(元/MWh)", 0.8, 1.2, 2),
            ),
            col("统调负荷(MW)", "全省统调负荷", Level(24000, 0.04, cycle=0.2)),
            col("新能源出力(MW)", "风电与光伏出力", Level(5200, 0.25, cycle=0.5)),
        ),
    ),
    DemoProduct(
        key="grid_ev_charging",
        vendor="ganneng_grid",
        board="transport",
        title_zh="电动汽车充电量日度数据（分设区市）",
        title_en="Electric vehicle charging energy by city, daily",
        summary_zh="全省 11 个设区市公共充电设施的每日充电量与充电次数。",
        summary_en="Daily charging energy and charging sessions at public EV chargers in "
        "Jiangxi's eleven cities.",
        description=about(
            "来自充电设施监测平台的日度汇总，适合充电站选址、新能源汽车推广评估与配网容量规划。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2025, 3, 1),
        coverage_end=date(2025, 6, 30),
        regions=("nanchang", "jiujiang", "ganzhou", "shangrao", "yichun", "jian"),
        tags=(
            "充电桩",
            "新能源汽车",
            "充电量",
            "交通",
            "EV charging",
            "electric vehicles",
            "transport",
        ),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("1900"), commercial("6200")),
        file_format=FileFormat.CSV,
        fields=(
            col("日期", "统计日", Period()),
            col("设区市", "设区市", Each(CITIES)),
            col(
                "充电量(万kWh)",
                "公共充电设施充电量",
                Level(
                    1,
                    0.1,
                    drift=0.001,
                    decimals=2,
                    bases=(95, 32, 12, 14, 11, 9, 40, 22, 24, 16, 30),
                ),
            ),
            col("充电次数", "充电订单数", Scaled("充电量(万kWh)", 260, 320)),
        ),
    ),
)
