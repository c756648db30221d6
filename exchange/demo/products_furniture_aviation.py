"""Demo products on the furniture (Nankang) and aviation (Jingdezhen) boards."""

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
    Change,
    Day,
    DemoProduct,
    Each,
    Level,
    Pattern,
    Period,
    Pick,
    Scaled,
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

FURNITURE_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        key="nankang_timber_prices",
        vendor="nankang_furniture",
        board="furniture",
        title_zh="南康家具用木材与板材价格周度数据",
        title_en="Nankang furniture timber and board prices, weekly",
        summary_zh="辐射松、橡胶木、白橡、白蜡木、樟子松与中纤板的周均价、涨跌与到港量。",
        summary_en="Weekly prices, changes and arrivals of radiata pine, rubberwood, white oak, "
        "ash, Scots pine and MDF used by Nankang furniture makers.",
        description=about(
            "南康是全国最大的实木家具生产基地之一，本产品汇总赣州国际陆港木材市场的周度报价，"
            "适合家具企业原料采购与木材贸易。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2024, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("ganzhou",),
        tags=("家具", "木材", "板材", "南康", "furniture", "timber", "wood", "price"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("1200"), commercial("3800")),
        file_format=FileFormat.CSV,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col(
                "品类",
                "木材或板材",
                Each(
                    (
                        "新西兰辐射松",
                        "泰国橡胶木",
                        "北美白橡",
                        "北美白蜡木",
                        "俄罗斯樟子松",
                        "中密度纤维板",
                    )
                ),
            ),
            col(
                "价格(元/立方米)",
                "市场成交均价",
                Walk(3500, 0.015, 1500, 9000, starts=(1650, 2900, 7800, 6400, 2100, 2300)),
            ),
            col("周涨跌(元/立方米)", "较上周", Change("价格(元/立方米)")),
            col("到港量(立方米)", "当周到港", Uniform(2000, 18000)),
        ),
    ),
    DemoProduct(
        key="nankang_furniture_sales",
        vendor="nankang_furniture",
        board="furniture",
        title_zh="南康家具分品类销量与出口月度数据",
        title_en="Nankang furniture sales and exports by category, monthly",
        summary_zh="实木床、餐桌椅、沙发、衣柜、儿童与办公家具的月销量、销售额、出口额与线上占比。",
        summary_en="Monthly unit sales, revenue, exports and online share for beds, dining sets, "
        "sofas, wardrobes, children's and office furniture.",
        description=about(
            "汇总南康家具产业集群企业的分品类销售情况，适合家居零售商选品、物流规划与产业研究。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2022, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("ganzhou",),
        tags=("家具", "销量", "出口", "电商", "furniture", "sales", "exports", "e-commerce"),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("1600"), commercial("5200")),
        file_format=FileFormat.XLSX,
        fields=(
            col("月份", "统计月份", Period()),
            col(
                "品类",
                "家具品类",
                Each(("实木床", "餐桌椅", "沙发", "衣柜", "儿童家具", "办公家具")),
            ),
            col("销量(万件)", "当月销量", Level(1, 0.12, decimals=1, bases=(28, 45, 18, 12, 9, 7))),
            col("销售额(亿元)", "当月销售额", Scaled("销量(万件)", 0.1, 0.3, 2)),
            col("出口额(万美元)", "当月出口额", Level(600, 0.2, spread=0.6)),
            col("线上占比(%)", "线上渠道销售额占比", Uniform(25, 60, 1)),
        ),
    ),
    DemoProduct(
        key="nankang_factory_orders",
        vendor="nankang_furniture",
        board="furniture",
        title_zh="南康家具工厂开工率与新增订单周度数据",
        title_en="Nankang furniture factory utilisation and new orders, weekly",
        summary_zh="南康各镇街家具工厂的周开工率与新增订单。",
        summary_en="Weekly utilisation and new orders at furniture factories in Nankang's towns.",
        description=about("基于镇街样本工厂的周度调查，反映家具产业景气度，尚在编辑中。"),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2024, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("ganzhou",),
        tags=("家具", "开工率", "订单", "furniture", "utilisation", "orders"),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("900"),),
        file_format=FileFormat.CSV,
        status=ListingStatus.DRAFT,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col(
                "镇街",
                "镇街",
                Each(("龙岭镇", "东山街道", "镜坝镇", "唐江镇", "横市镇", "蓉江街道")),
            ),
            col("开工率(%)", "样本工厂平均", Walk(72, 0.03, 40, 96, decimals=1)),
            col("新增订单(万件)", "当周新增订单", Level(14, 0.2, spread=0.5, decimals=1)),
        ),
    ),
)

AVIATION_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        key="aviation_parts_inspection",
        vendor="jingdezhen_aviation",
        board="aviation",
        title_zh="直升机零部件首件与批次检验记录",
        title_en="Helicopter parts first-article and lot inspection records",
        summary_zh="旋翼、尾桨、主减速器、机身结构件等零部件的检验类型、关键尺寸偏差与结论。",
        summary_en="Inspection type, key dimension deviation and verdict for rotor, tail rotor, "
        "main gearbox, airframe and other helicopter parts.",
        description=about(
            "来自景德镇航空配套企业质量管理系统的检验记录，可用于供应商质量评估与工艺改进；"
            "因涉及航空装备配套，按重要数据管理。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2025, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("jingdezhen",),
        tags=(
            "航空",
            "直升机",
            "零部件",
            "质量检验",
            "aviation",
            "helicopter",
            "parts",
            "inspection",
        ),
        grade=Grade.IMPORTANT,
        grade_justification=(
            "涉及航空装备配套零部件的质量与工艺数据，汇聚后可反映装备制造能力，属于"
            " GB/T 43697-2024 所称重要数据；经监管方审核后挂牌，仅境内内部使用。"
        ),
        offers=(internal("8800"),),
        file_format=FileFormat.XLSX,
        versions=2,
        rows=500,
        fields=(
            col("检验单号", "检验记录编号", Serial("JY25", 6)),
            col("零件号", "零件图号", Pattern("Z8-###-##@")),
            col(
                "零件类别",
                "零件类别",
                Pick(
                    (
                        "旋翼桨叶组件",
                        "尾桨组件",
                        "主减速器零件",
                        "机身结构件",
                        "起落架零件",
                        "液压导管",
                    )
                ),
            ),
            col("检验日期", "检验完成日期", Day()),
            col("检验类型", "检验类型", Pick(("首件检验", "批次抽检", "复检"), (0.2, 0.7, 0.1))),
            col("关键尺寸偏差(mm)", "关键尺寸实测与名义值之差", Uniform(-0.05, 0.05, 3)),
            col(
                "结论",
                "检验结论",
                Pick(("合格", "让步接收", "返修", "报废"), (0.93, 0.03, 0.03, 0.01)),
            ),
        ),
    ),
    DemoProduct(
        key="aviation_supplier_delivery",
        vendor="jingdezhen_aviation",
        board="aviation",
        title_zh="航空配套供应商交付准时率与质量月度数据",
        title_en="Aviation suppliers' on-time delivery and quality, monthly",
        summary_zh="十家航空配套供应商的月度准时交付率、百万件不良率（PPM）与交付批次。",
        summary_en="Monthly on-time delivery, defect rate (PPM) and delivered lots for ten "
        "aviation suppliers.",
        description=about(
            "汇总航空产业园配套供应商的交付绩效，供应商已编号，适合主机厂供应链管理与供应商评级。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2024, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("jingdezhen", "nanchang"),
        tags=("航空", "供应链", "准时交付", "aviation", "supply chain", "on-time delivery"),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("1400"), research("700")),
        file_format=FileFormat.CSV,
        fields=(
            col("月份", "统计月份", Period()),
            col(
                "供应商",
                "配套供应商（已编号）",
                Each(tuple(f"配套供应商{n:02d}" for n in range(1, 11))),
            ),
            col("准时交付率(%)", "按批次计", Walk(93, 0.02, 75, 100, decimals=1)),
            col("百万件不良率(PPM)", "来料检验不良", Level(350, 0.3, spread=0.7)),
            col("交付批次", "当月交付批次", Uniform(8, 60)),
        ),
    ),
    DemoProduct(
        key="aviation_airport_traffic",
        vendor="jingdezhen_aviation",
        board="aviation",
        title_zh="江西机场群航班起降、旅客与货邮吞吐量日度数据",
        title_en="Jiangxi airports daily flights, passengers and cargo",
        summary_zh="昌北、黄金、罗家、井冈山等七座机场的每日航班起降、旅客与货邮吞吐量。",
        summary_en="Daily aircraft movements, passenger and cargo throughput at seven Jiangxi "
        "airports.",
        description=about(
            "汇总全省民用机场的日度运输生产数据，适合航空公司航线规划、临空经济研究与文旅客流分析。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2025, 4, 1),
        coverage_end=date(2025, 6, 30),
        regions=("nanchang", "ganzhou", "jingdezhen", "jian", "shangrao", "yichun", "jiujiang"),
        tags=("航空", "机场", "旅客吞吐量", "aviation", "airport", "passengers", "air cargo"),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("1300"), commercial("4200")),
        file_format=FileFormat.CSV,
        fields=(
            col("日期", "统计日", Period()),
            col(
                "机场",
                "机场",
                Each(
                    (
                        "南昌昌北",
                        "赣州黄金",
                        "景德镇罗家",
                        "井冈山",
                        "上饶三清山",
                        "宜春明月山",
                        "九江庐山",
                    )
                ),
            ),
            col(
                "航班起降(架次)",
                "当日起降架次",
                Level(1, 0.08, bases=(290, 60, 14, 16, 18, 14, 10)),
            ),
            col("旅客吞吐量(人次)", "当日旅客", Scaled("航班起降(架次)", 120, 150)),
            col(
                "货邮吞吐量(吨)",
                "当日货邮",
                Level(1, 0.15, decimals=1, bases=(230, 18, 1, 2, 2, 1, 0.6)),
            ),
        ),
    ),
)
