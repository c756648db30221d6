"""Demo products on the agriculture sector board, from Fuzhou."""

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

NANFENG_TOWNS = (
    "琴城镇", "太和镇", "白舍镇", "市山镇", "洽湾镇",
    "桑田镇", "紫霄镇", "三溪乡", "东坪乡", "莱溪乡",
)  # fmt: skip

FUZHOU_COUNTIES = (
    "临川区", "东乡区", "南城县", "黎川县", "南丰县", "崇仁县",
    "乐安县", "宜黄县", "金溪县", "资溪县", "广昌县",
)  # fmt: skip

AGRICULTURE_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        key="nanfeng_orange_prices",
        vendor="fuzhou_agriculture",
        board="agriculture",
        title_zh="南丰蜜桔产地收购价格日度数据",
        title_en="Nanfeng mandarin orange farm-gate prices, daily",
        summary_zh="采收季南丰蜜桔分等级的每日产地收购价与收购量。",
        summary_en="Daily farm-gate prices and volumes of Nanfeng mandarin oranges by grade "
        "during the harvest season.",
        description=about("来自合作社收购点的逐日记录，适合果商采购、电商定价与农户销售决策。"),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2024, 11, 1),
        coverage_end=date(2025, 2, 28),
        regions=("fuzhou",),
        tags=(
            "农业",
            "南丰蜜桔",
            "柑橘",
            "收购价",
            "agriculture",
            "mandarin orange",
            "citrus",
            "farm-gate price",
        ),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("600"), commercial("1900")),
        file_format=FileFormat.CSV,
        csv_bom=True,
        versions=2,
        fields=(
            col("日期", "收购日", Period()),
            col("等级", "果品等级", Each(("特级果", "一级果", "二级果", "统货"))),
            col(
                "收购价(元/斤)",
                "产地收购价",
                Walk(2.2, 0.02, 0.8, 4.5, decimals=2, starts=(3.2, 2.5, 1.8, 1.4)),
            ),
            col("收购量(吨)", "当日收购量", Level(180, 0.25, spread=0.5, decimals=1)),
        ),
    ),
    DemoProduct(
        key="agri_coop_members",
        vendor="fuzhou_agriculture",
        board="agriculture",
        title_zh="农业专业合作社社员名册与补贴发放",
        title_en="Farm cooperative member list and subsidy payments",
        summary_zh="合作社社员的乡镇、种植面积、主要作物与年度补贴，含姓名、身份证号、手机号与补贴银行卡号（脱敏交付）。",
        summary_en="Cooperative members' township, planted area, main crop and annual subsidy, "
        "with names, ID numbers, mobile and subsidy card numbers (delivered desensitised).",
        description=about(
            "来自合作社社员管理台账，可用于农业保险、涉农信贷风控与补贴发放核验；"
            "社员身份与银行卡信息为个人信息。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.YEARLY,
        coverage_start=date(2025, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("fuzhou",),
        tags=(
            "农业",
            "合作社",
            "社员",
            "补贴",
            "agriculture",
            "cooperative",
            "farmers",
            "personal data",
        ),
        grade=Grade.GENERAL,
        grade_justification=personal_grade("姓名、身份证号、手机号、银行卡号"),
        offers=(internal("1200"), research("600")),
        file_format=FileFormat.XLSX,
        rows=350,
        declared_note="姓名、身份证号、手机号、补贴发放银行卡号为个人信息。",
        fields=(
            col("社员编号", "合作社社员编号", Serial("NF", 5)),
            col("姓名", "社员姓名", Personal("name"), personal=True),
            col("身份证号", "居民身份证号码", Personal("id_number"), personal=True),
            col("手机号", "社员手机号", Personal("mobile"), personal=True),
            col("补贴发放银行卡号", "惠农补贴发放卡", Personal("bank_card"), personal=True),
            col("乡镇", "所在乡镇", Pick(NANFENG_TOWNS)),
            col("种植面积(亩)", "登记种植面积", Uniform(3, 120, 1)),
            col(
                "主要作物",
                "主要作物",
                Pick(("南丰蜜桔", "水稻", "白莲", "烟叶", "蔬菜"), (0.5, 0.25, 0.1, 0.05, 0.1)),
            ),
            col("年度补贴(元)", "本年度补贴合计", Uniform(300, 9800, 2)),
        ),
    ),
    DemoProduct(
        key="agri_rice_yield",
        vendor="fuzhou_agriculture",
        board="agriculture",
        title_zh="抚州分县区早晚稻单产与播种面积年度数据",
        title_en="Fuzhou early and late rice yields and sown area by county, yearly",
        summary_zh="抚州十一个县区历年早稻、晚稻单产与水稻播种面积。",
        summary_en="Early and late rice yields and rice sown area in Fuzhou's eleven counties, "
        "year by year.",
        description=about(
            "整理抚州粮食生产的县级统计，适合粮食安全研究、农业保险精算与农资市场分析。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.YEARLY,
        coverage_start=date(2013, 1, 1),
        coverage_end=date(2024, 12, 31),
        regions=("fuzhou",),
        tags=("农业", "水稻", "粮食", "单产", "agriculture", "rice", "grain", "yield"),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("500"), research("300")),
        file_format=FileFormat.CSV,
        fields=(
            col("年份", "统计年度", Period()),
            col("县区", "县区", Each(FUZHOU_COUNTIES)),
            col("早稻单产(公斤/亩)", "早稻平均亩产", Level(395, 0.04, spread=0.08, drift=0.004)),
            col("晚稻单产(公斤/亩)", "晚稻平均亩产", Level(440, 0.04, spread=0.08, drift=0.004)),
            col("水稻播种面积(万亩)", "早中晚稻合计", Level(45, 0.03, spread=0.6, decimals=1)),
        ),
    ),
    DemoProduct(
        key="agri_farm_weather",
        vendor="fuzhou_agriculture",
        board="agriculture",
        title_zh="农田气象与土壤墒情监测日度数据",
        title_en="Farm weather and soil moisture monitoring, daily",
        summary_zh="四个农田监测站的日均气温、降水量、土壤含水率与日照时数。",
        summary_en="Daily mean temperature, rainfall, soil moisture and sunshine hours at four "
        "farm monitoring stations.",
        description=about(
            "来自田间物联网监测站的日度数据，适合农事安排、病虫害预警与农业保险指数设计。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2025, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("fuzhou",),
        tags=("农业", "气象", "墒情", "物联网", "agriculture", "weather", "soil moisture", "IoT"),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("700"), research("350")),
        file_format=FileFormat.CSV,
        fields=(
            col("日期", "观测日", Period()),
            col("监测站", "农田监测站", Each(("临川站", "南丰站", "崇仁站", "广昌站"))),
            col("日均气温(℃)", "日平均气温", Level(6, 0.12, spread=0.1, drift=0.0085, decimals=1)),
            col("降水量(mm)", "日降水量", Uniform(0, 45, 1)),
            col("土壤含水率(%)", "0–20 厘米体积含水率", Walk(28, 0.04, 12, 42, decimals=1)),
            col("日照时数(h)", "日照时数", Uniform(0, 10.5, 1)),
        ),
    ),
    DemoProduct(
        key="agri_hog_prices",
        vendor="fuzhou_agriculture",
        board="agriculture",
        title_zh="江西生猪与仔猪价格日度数据",
        title_en="Jiangxi live hog and piglet prices, daily",
        summary_zh="外三元生猪出栏价、15 公斤仔猪价、猪粮比与玉米价格。",
        summary_en="Daily live hog and piglet prices, hog-to-grain price ratio and corn prices "
        "in Jiangxi.",
        description=about(
            "汇总江西主要生猪产区的日度报价，适合养殖企业出栏决策、饲料企业与金融机构参考。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2024, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("fuzhou", "jian", "yichun"),
        tags=("农业", "生猪", "猪价", "饲料", "agriculture", "hog prices", "livestock", "corn"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("800"), commercial("2600")),
        file_format=FileFormat.CSV,
        fields=(
            col("日期", "报价日", Period()),
            col("外三元生猪(元/公斤)", "出栏均价", Walk(15, 0.01, 12, 20, decimals=2)),
            col("仔猪15公斤(元/头)", "仔猪均价", Walk(420, 0.015, 250, 650)),
            col("猪粮比", "生猪价格与玉米价格之比", Uniform(5.2, 7.8, 2)),
            col("玉米(元/吨)", "饲用玉米到厂价", Walk(2300, 0.005, 2000, 2700)),
        ),
    ),
)
