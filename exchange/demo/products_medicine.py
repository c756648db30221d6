"""Demo products on the biomedicine board, from Zhangshu and Jinxian."""

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
    DemoProduct,
    Each,
    Level,
    Period,
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

MEDICINE_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        key="zhangshu_herb_prices",
        vendor="zhangshu_medicine",
        board="biomedicine",
        title_zh="樟树药材市场中药材价格周度数据",
        title_en="Zhangshu herbal medicine market prices, weekly",
        summary_zh="枳壳、黄栀子、车前子、吴茱萸、陈皮等道地药材的周统货价、涨跌与成交量。",
        summary_en="Weekly prices, changes and volumes of local herbal medicines (bitter "
        "orange, gardenia, plantain seed, evodia, tangerine peel …) at Zhangshu market.",
        description=about(
            "樟树素有“药都”之称，本产品汇总樟树中药材专业市场的周度成交价，适合中药饮片企业"
            "采购与药材种植决策。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2024, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("yichun",),
        tags=("中药材", "樟树", "医药", "价格", "herbal medicine", "biomedicine", "TCM", "price"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("1100"), commercial("3600")),
        file_format=FileFormat.CSV,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col(
                "品种",
                "药材品种",
                Each(("枳壳", "黄栀子", "车前子", "吴茱萸", "陈皮", "黄精", "前胡", "艾叶")),
            ),
            col(
                "统货价格(元/公斤)",
                "市场统货成交价",
                Walk(40, 0.02, 5, 300, decimals=1, starts=(26, 18, 22, 160, 65, 55, 40, 8)),
            ),
            col("周涨跌(元/公斤)", "较上周", Change("统货价格(元/公斤)", 1)),
            col("成交量(吨)", "当周成交", Uniform(2, 80, 1)),
        ),
    ),
    DemoProduct(
        key="medical_device_registrations",
        vendor="zhangshu_medicine",
        board="biomedicine",
        title_zh="医疗器械产品注册与备案数量月度数据",
        title_en="Medical device registrations and filings by category, monthly",
        summary_zh="一次性无菌器械、医用敷料、体外诊断试剂等类别的第一类备案、第二类注册与生产企业数。",
        summary_en="Monthly class I filings, class II registrations and manufacturer counts by "
        "medical device category.",
        description=about("整理进贤、樟树等医疗器械与医药产业基地的产品注册备案动态，尚在编辑中。"),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2022, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("nanchang", "yichun"),
        tags=("医疗器械", "注册", "备案", "medical devices", "registration", "biomedicine"),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("800"),),
        file_format=FileFormat.CSV,
        status=ListingStatus.DRAFT,
        fields=(
            col("月份", "统计月份", Period()),
            col(
                "类别",
                "器械类别",
                Each(
                    ("一次性使用无菌器械", "医用敷料", "体外诊断试剂", "医用防护用品", "康复器械")
                ),
            ),
            col("第一类备案数(件)", "当月新增备案", Uniform(2, 40)),
            col("第二类注册数(件)", "当月新增注册", Uniform(0, 18)),
            col("生产企业数(家)", "月末持证生产企业", Level(1, 0.01, bases=(85, 60, 22, 70, 18))),
        ),
    ),
    DemoProduct(
        key="pharma_distribution_turnover",
        vendor="zhangshu_medicine",
        board="biomedicine",
        title_zh="医药流通企业分品类销售与库存周转月度数据",
        title_en="Pharmaceutical distribution sales and inventory turnover by category, monthly",
        summary_zh="化学药、中成药、中药饮片、生物制品与耗材的月销售额、库存周转天数与退货率。",
        summary_en="Monthly sales, inventory turnover days and return rates for chemical drugs, "
        "Chinese patent medicines, herbal pieces, biologics and consumables.",
        description=about(
            "汇总樟树医药物流园流通企业的经营指标，适合医药供应链金融与流通效率研究。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2022, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("yichun",),
        tags=(
            "医药",
            "流通",
            "库存周转",
            "biomedicine",
            "pharmaceutical distribution",
            "inventory turnover",
        ),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("1000"), research("500")),
        file_format=FileFormat.CSV,
        fields=(
            col("月份", "统计月份", Period()),
            col(
                "品类",
                "药品品类",
                Each(("化学药制剂", "中成药", "中药饮片", "生物制品", "医疗器械耗材")),
            ),
            col(
                "销售额(万元)",
                "当月销售额",
                Level(1, 0.08, drift=0.003, bases=(5200, 4100, 3600, 1500, 2300)),
            ),
            col("库存周转天数(天)", "月末库存周转天数", Uniform(28, 75, 1)),
            col("退货率(%)", "当月退货率", Uniform(0.3, 2.5, 2)),
        ),
    ),
)
