"""Demo products on the power board: the grid company's substations, lines and customers."""

from __future__ import annotations

from datetime import date

from exchange.demo.products_common import (
    STATISTICS_GRADE,
    about,
    col,
    internal,
    personal_grade,
    research,
)
from exchange.demo.specs import (
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
)
from exchange.domain.catalog import (
    FileFormat,
    Grade,
    ListingStatus,
    ProductType,
    UpdateFrequency,
)

NANCHANG_DISTRICTS = (
    "东湖区", "西湖区", "青云谱区", "青山湖区", "新建区", "红谷滩区", "南昌县", "进贤县", "安义县",
)  # fmt: skip

GRID_COUNTIES = NANCHANG_DISTRICTS + (
    "濂溪区", "共青城市", "渝水区", "月湖区", "贵溪市", "章贡区", "南康区", "吉州区", "袁州区",
    "临川区", "信州区",
)  # fmt: skip

POWER_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        key="grid_substation_load",
        vendor="ganneng_grid",
        board="power",
        title_zh="南昌220千伏变电站负荷小时数据",
        title_en="Grid load by substation: hourly load of 220 kV substations in Nanchang",
        summary_zh="南昌六座 220 千伏变电站的小时有功、无功负荷与负载率，属电网重要数据。",
        summary_en="Hourly active and reactive load and loading rate at six 220 kV substations "
        "in Nanchang — important grid data.",
        description=about(
            "来自调度自动化系统的变电站小时负荷，可用于负荷预测、配网规划与需求响应评估；"
            "按重要数据管理，仅在监管方审核后向境内主体内部使用授权。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.REALTIME,
        coverage_start=date(2025, 6, 22),
        coverage_end=date(2025, 6, 30),
        regions=("nanchang",),
        tags=("电网", "负荷", "变电站", "电力", "grid load", "substation", "power", "hourly"),
        grade=Grade.IMPORTANT,
        grade_justification=(
            "反映省会城市主干电网分站负荷，可推断关键信息基础设施运行状态，属于 GB/T 43697-2024"
            " 所称重要数据；经监管方审核同意后挂牌，限江西境内、限内部分析用途。"
        ),
        offers=(internal("18000", months=6), research("9000", seats=2)),
        file_format=FileFormat.CSV,
        fields=(
            col("时间", "整点", Period()),
            col(
                "变电站",
                "220 千伏变电站",
                Each(("昌北站", "青山湖站", "瑶湖站", "象湖站", "昌东站", "望城站")),
            ),
            col(
                "有功负荷(MW)", "小时平均有功", Level(210, 0.06, spread=0.4, decimals=1, cycle=0.3)
            ),
            col("无功负荷(Mvar)", "小时平均无功", Scaled("有功负荷(MW)", 0.12, 0.25, 1)),
            col("负载率(%)", "主变负载率", Uniform(35, 88, 1)),
        ),
    ),
    DemoProduct(
        key="grid_customer_complaints",
        vendor="ganneng_grid",
        board="power",
        title_zh="供电客户投诉工单记录",
        title_en="Power customer complaint log",
        summary_zh="南昌地区供电服务投诉工单：受理时间、投诉类型、处理时长与满意度，含客户姓名和电话（脱敏交付）。",
        summary_en="Power customer complaint tickets in Nanchang: time, type, handling time and "
        "satisfaction, with customer names and phone numbers (delivered desensitised).",
        description=about(
            "来自供电服务热线的投诉工单，可用于服务质量分析、停电热点识别与客服资源配置；"
            "客户姓名与联系电话为个人信息。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2025, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("nanchang",),
        tags=(
            "电力",
            "客户服务",
            "投诉",
            "工单",
            "power",
            "customer complaints",
            "service",
            "personal data",
        ),
        grade=Grade.GENERAL,
        grade_justification=personal_grade("客户姓名、联系电话"),
        offers=(internal("1800"), research("900")),
        file_format=FileFormat.CSV,
        versions=2,
        rows=500,
        declared_note="客户姓名、联系电话为个人信息；用电户号不单独识别个人。",
        fields=(
            col("工单编号", "投诉工单编号", Serial("TS25", 6)),
            col("受理时间", "工单受理时间", Timeline()),
            col("客户姓名", "投诉客户", Personal("name"), personal=True),
            col("联系电话", "客户手机号", Personal("mobile"), personal=True),
            col("用电户号", "用电客户编号", Pattern("36##########")),
            col("县区", "所属县区", Pick(NANCHANG_DISTRICTS)),
            col(
                "投诉类型",
                "投诉分类",
                Pick(
                    ("频繁停电", "电压质量", "抄表计费", "服务态度", "业扩报装时限", "充电桩接入"),
                    (0.3, 0.2, 0.2, 0.1, 0.12, 0.08),
                ),
            ),
            col("处理时长(小时)", "受理到办结", Uniform(2, 96, 1)),
            col("客户满意度", "回访结果", Pick(("满意", "基本满意", "不满意"), (0.7, 0.22, 0.08))),
        ),
    ),
    DemoProduct(
        key="grid_line_loss",
        vendor="ganneng_grid",
        board="power",
        title_zh="10千伏配电线路线损率月度数据（分县区）",
        title_en="10 kV distribution line loss rate by county, monthly",
        summary_zh="20 个县区的月供电量、10 千伏线路线损率与高损线路条数。",
        summary_en="Monthly supplied energy, 10 kV line loss rate and count of high-loss "
        "feeders in twenty counties.",
        description=about(
            "来自同期线损管理系统的县区汇总，适合配网降损改造优先级排序与供电企业对标。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2024, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=(
            "nanchang",
            "jiujiang",
            "xinyu",
            "yingtan",
            "ganzhou",
            "jian",
            "yichun",
            "fuzhou",
            "shangrao",
        ),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("1600"), research("800")),
        file_format=FileFormat.CSV,
        status=ListingStatus.SUBMITTED,
        tags=("线损", "配电网", "电力", "line loss", "distribution grid", "power"),
        fields=(
            col("月份", "统计月份", Period()),
            col("县区", "县区", Each(GRID_COUNTIES)),
            col("供电量(万kWh)", "当月供电量", Level(12000, 0.08, spread=0.7)),
            col(
                "线损率(%)",
                "10 千伏线路综合线损率",
                Level(4.5, 0.08, spread=0.4, drift=-0.002, decimals=2),
            ),
            col("高损线路数(条)", "线损率超过 10% 的线路", Uniform(0, 25)),
        ),
    ),
    DemoProduct(
        key="grid_dispatch_scada",
        vendor="ganneng_grid",
        board="power",
        title_zh="省级电网调度SCADA实时运行与拓扑数据",
        title_en="Provincial grid dispatch SCADA telemetry and topology",
        summary_zh="500 千伏厂站母线电压、有功功率与开关状态（核心数据，不可挂牌）。",
        summary_en="Bus voltage, active power and breaker status at 500 kV stations — core "
        "data, never listable.",
        description=about(
            "主网调度 SCADA 遥测遥信数据，可还原电网运行方式与拓扑，关系国家安全；"
            "在平台上仅作为草稿存在，用于演示核心数据提交时的拒绝。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.REALTIME,
        coverage_start=date(2025, 6, 27),
        coverage_end=date(2025, 6, 30),
        regions=("nanchang", "jiujiang", "ganzhou", "shangrao"),
        tags=("电网调度", "SCADA", "核心数据", "grid dispatch", "SCADA", "core data"),
        grade=Grade.CORE,
        grade_justification=(
            "主网调度实时遥测遥信与拓扑可用于推断关键信息基础设施的薄弱环节，关系国家安全，"
            "属于 GB/T 43697-2024 所称核心数据，依法不得挂牌交易。"
        ),
        offers=(internal("60000"),),
        file_format=FileFormat.CSV,
        status=ListingStatus.DRAFT,
        fields=(
            col("时间", "整点", Period()),
            col(
                "厂站",
                "500 千伏厂站",
                Each(("赣北500kV站", "赣中500kV站", "赣南500kV站", "赣东500kV站")),
            ),
            col("母线电压(kV)", "500 千伏母线电压", Level(525, 0.005, decimals=1)),
            col("有功功率(MW)", "主变有功", Level(1500, 0.08, spread=0.4, cycle=0.25)),
            col("开关状态", "主断路器", Pick(("合", "分"), (0.98, 0.02))),
        ),
    ),
)
