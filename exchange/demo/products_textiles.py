"""Demo products on the textiles and apparel boards, from Gongqingcheng."""

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
    personal_grade,
    research,
)
from exchange.demo.specs import (
    Around,
    Day,
    DemoProduct,
    Each,
    Level,
    Period,
    Personal,
    Pick,
    Serial,
    Uniform,
    Walk,
)
from exchange.domain.catalog import (
    FileFormat,
    Grade,
    ProductType,
    UpdateFrequency,
)

TEXTILE_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        key="textile_exports_monthly",
        vendor="gongqing_textile",
        board="textiles",
        title_zh="纺织服装分品类出口额月度数据",
        title_en="Textile and apparel exports by category, monthly",
        summary_zh="棉纱线、坯布、针织与梭织服装、羽绒服装、家纺的月度出口额、同比与主要市场。",
        summary_en="Monthly export values, growth and main markets for cotton yarn, grey "
        "fabric, knitted and woven garments, down apparel and home textiles.",
        description=about(
            "汇总九江、南昌纺织服装产业集群企业的出口数据，适合外贸企业市场研判与产业招商。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2021, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("jiujiang", "nanchang"),
        tags=("纺织", "服装", "出口", "textiles", "apparel", "exports", "trade"),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("1800"), commercial("5800")),
        file_format=FileFormat.CSV,
        fields=(
            col("月份", "统计月份", Period()),
            col(
                "品类",
                "出口品类",
                Each(("棉纱线", "坯布", "针织服装", "梭织服装", "羽绒服装", "家用纺织品")),
            ),
            col(
                "出口额(万美元)",
                "当月出口额",
                Level(1, 0.12, bases=(1200, 1800, 5200, 4300, 3600, 2100)),
            ),
            col("同比(%)", "出口额同比", Uniform(-18, 25, 1)),
            col(
                "主要市场",
                "出口额最大的市场",
                Pick(("欧盟", "美国", "东盟", "日本", "中东", "非洲")),
            ),
        ),
    ),
    DemoProduct(
        key="textile_yarn_prices",
        vendor="gongqing_textile",
        board="textiles",
        title_zh="棉花、棉纱与涤纶短纤价格日度数据",
        title_en="Cotton, cotton yarn and polyester staple fibre prices, daily",
        summary_zh="棉花 3128B、纯棉纱 C32S、精梳纱 JC40S 与涤纶短纤每日现货价。",
        summary_en="Daily spot prices of 3128B cotton, C32S carded yarn, JC40S combed yarn and "
        "polyester staple fibre.",
        description=about(
            "汇总江西纺纱企业原料与成品纱线的日度报价，适合纺织企业成本核算与采购时点选择。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2024, 1, 2),
        coverage_end=date(2025, 6, 30),
        regions=("jiujiang", "nanchang"),
        tags=("纺织", "棉纱", "棉花", "涤纶", "textiles", "cotton", "yarn", "polyester", "price"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("1600"), commercial("5200")),
        file_format=FileFormat.CSV,
        fields=(
            col("日期", "交易日", Period(weekdays_only=True)),
            col("棉花3128B(元/吨)", "到厂含税价", Walk(15200, 0.006, 13000, 18000)),
            col("纯棉纱C32S(元/吨)", "出厂含税价", Around("棉花3128B(元/吨)", 5000, 6200)),
            col("精梳纱JC40S(元/吨)", "出厂含税价", Around("纯棉纱C32S(元/吨)", 2800, 3600)),
            col("涤纶短纤1.4D(元/吨)", "出厂含税价", Walk(7100, 0.008, 6000, 8500)),
        ),
    ),
    DemoProduct(
        key="textile_worker_training",
        vendor="gongqing_textile",
        board="textiles",
        title_zh="纺织服装企业工人技能培训记录",
        title_en="Textile and garment workers' skills training records",
        summary_zh="集群企业一线工人的培训课程、考核成绩与取证情况，含姓名、身份证号与手机号（脱敏交付）。",
        summary_en="Training courses, test scores and certificates of front-line textile "
        "workers, with names, ID numbers and mobile numbers (delivered desensitised).",
        description=about(
            "来自产业集群公共实训基地的培训台账，可用于企业用工匹配、职业技能补贴核验与"
            "人力资源研究；个人信息仅在授权范围内使用。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2024, 7, 1),
        coverage_end=date(2025, 6, 30),
        regions=("jiujiang",),
        tags=(
            "纺织",
            "技能培训",
            "工人",
            "人力资源",
            "textiles",
            "training",
            "workforce",
            "personal data",
        ),
        grade=Grade.GENERAL,
        grade_justification=personal_grade("姓名、身份证号、手机号"),
        offers=(internal("2000"), research("1200")),
        file_format=FileFormat.XLSX,
        versions=2,
        rows=400,
        declared_note="姓名、身份证号、手机号三列为个人信息，样例与交付文件按平台规则脱敏。",
        fields=(
            col("培训编号", "培训记录编号", Serial("PX24", 5)),
            col("姓名", "学员姓名", Personal("name"), personal=True),
            col("身份证号", "居民身份证号码", Personal("id_number"), personal=True),
            col("手机号", "学员手机号", Personal("mobile"), personal=True),
            col(
                "工种",
                "学员工种",
                Pick(("挡车工", "络筒工", "缝纫工", "验布工", "染整工", "机修工")),
            ),
            col(
                "培训课程",
                "课程名称",
                Pick(("智能织机操作", "安全生产", "质量检验", "缝制工艺", "设备保养")),
            ),
            col("培训日期", "结业日期", Day()),
            col("考核成绩", "百分制", Uniform(58, 99)),
            col("是否取证", "是否取得职业技能等级证书", Pick(("是", "否"), (0.82, 0.18))),
        ),
    ),
    DemoProduct(
        key="textile_loom_utilisation",
        vendor="gongqing_textile",
        board="textiles",
        title_zh="纺织集群织机开机率与订单天数周度数据",
        title_en="Loom utilisation and order backlog in textile clusters, weekly",
        summary_zh="共青城、德安、都昌等纺织集群的织机开机率、订单天数与坯布库存天数。",
        summary_en="Weekly loom utilisation, days of orders on hand and grey fabric stock days "
        "in Jiangxi's textile clusters.",
        description=about(
            "基于集群内样本织造企业的周度调查，反映纺织景气度，适合原料供应商与金融机构参考。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2023, 1, 2),
        coverage_end=date(2025, 6, 30),
        regions=("jiujiang", "nanchang", "yichun"),
        tags=("纺织", "织机", "开机率", "景气", "textiles", "loom", "utilisation", "orders"),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("1400"), commercial("4600")),
        file_format=FileFormat.CSV,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col("集群", "纺织集群", Each(("共青城", "德安", "都昌", "湖口", "南昌青山湖", "奉新"))),
            col("织机开机率(%)", "样本企业平均", Walk(72, 0.03, 40, 95, decimals=1)),
            col("订单天数(天)", "在手订单可生产天数", Uniform(8, 45)),
            col("坯布库存天数(天)", "坯布库存可销售天数", Uniform(15, 55)),
        ),
    ),
    DemoProduct(
        key="textile_dyeing_water_energy",
        vendor="gongqing_textile",
        board="textiles",
        title_zh="印染企业用水、水耗与能耗月度数据",
        title_en="Dyeing and finishing plants' water use and energy consumption, monthly",
        summary_zh="六家印染企业的月用水量、单位产品水耗与能耗及回用水比例。",
        summary_en="Monthly water use, water and energy consumption per 100 metres of fabric "
        "and water reuse ratio at six dyeing plants.",
        description=about(
            "对标《印染行业规范条件》的单位产品水耗与能耗指标，适合节水改造、绿色工厂评价与"
            "排污权交易分析。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2022, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("jiujiang", "fuzhou"),
        tags=(
            "印染",
            "水耗",
            "能耗",
            "纺织",
            "dyeing",
            "water use",
            "energy consumption",
            "textiles",
        ),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("1500"), research("800")),
        file_format=FileFormat.CSV,
        fields=(
            col("月份", "统计月份", Period()),
            col("企业", "印染企业（已编号）", Each(tuple(f"印染企业{c}" for c in "ABCDEF"))),
            col("用水量(万吨)", "当月新水用量", Level(6, 0.1, spread=0.6, decimals=2)),
            col(
                "单位产品水耗(吨/百米)",
                "每百米布新水消耗",
                Level(1.6, 0.06, spread=0.3, drift=-0.003, decimals=2),
            ),
            col(
                "单位产品能耗(kgce/百米)",
                "每百米布综合能耗，折标准煤",
                Level(36, 0.05, spread=0.3, drift=-0.002, decimals=1),
            ),
            col(
                "回用水比例(%)",
                "中水回用占比",
                Level(38, 0.05, spread=0.3, drift=0.003, decimals=1),
            ),
        ),
    ),
    DemoProduct(
        key="apparel_down_jacket_sales",
        vendor="gongqing_textile",
        board="apparel",
        title_zh="羽绒服线上销量与均价周度接口",
        title_en="Down jacket online sales and average prices, weekly API",
        summary_zh="共青城羽绒服品牌在各线上渠道的周销量、成交均价与退货率。",
        summary_en="Weekly online sales, average selling prices and return rates of "
        "Gongqingcheng down jacket brands by channel.",
        description=about(
            "共青城是全国重要的羽绒服生产基地，本接口按渠道汇总集群品牌的线上销售表现，"
            "适合品牌营销、供应链备货与消费研究。"
        ),
        product_type=ProductType.API,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2023, 1, 2),
        coverage_end=date(2025, 6, 30),
        regions=("jiujiang",),
        tags=("服装", "羽绒服", "电商", "销量", "apparel", "down jacket", "e-commerce", "sales"),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("2200"), commercial("6900")),
        file_format=FileFormat.JSON,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col(
                "渠道",
                "线上销售渠道",
                Each(("综合电商平台A", "综合电商平台B", "直播电商平台C", "品牌官方商城")),
            ),
            col("销量(万件)", "当周成交件数", Level(45, 0.35, spread=0.6, decimals=1)),
            col("均价(元/件)", "成交均价", Walk(420, 0.02, 280, 680, decimals=1)),
            col("退货率(%)", "当周退货率", Uniform(8, 28, 1)),
        ),
    ),
)
