"""Demo products on the photovoltaics board, from Shangrao."""

from __future__ import annotations

from datetime import date

from exchange.demo.products_common import (
    MARKET_GRADE,
    OPERATIONS_GRADE,
    about,
    col,
    commercial,
    exclusive,
    internal,
    personal_grade,
    research,
)
from exchange.demo.specs import (
    Change,
    Day,
    DemoProduct,
    Each,
    Level,
    Period,
    Personal,
    Pick,
    Scaled,
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

SHANGRAO_COUNTIES = (
    "信州区", "广丰区", "广信区", "玉山县", "铅山县", "横峰县", "弋阳县", "余干县", "鄱阳县",
    "万年县", "婺源县", "德兴市",
)  # fmt: skip

SOLAR_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        key="pv_module_prices",
        vendor="shangrao_pv",
        board="photovoltaics",
        title_zh="光伏组件与电池片价格周度数据",
        title_en="Solar PV module and cell prices, weekly",
        summary_zh="TOPCon、HJT、PERC 组件与电池片的周均价（元/W）及涨跌。",
        summary_en="Weekly average prices (CNY/W) and changes for TOPCon, HJT and PERC solar "
        "modules and cells.",
        description=about(
            "汇总上饶光伏产业集群组件与电池片的成交报价，适合电站投资测算、EPC 采购与行业研究。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2024, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("shangrao",),
        tags=("光伏", "组件", "电池片", "TOPCon", "solar", "PV module", "photovoltaics", "price"),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("2200"), commercial("7200")),
        file_format=FileFormat.CSV,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col(
                "产品",
                "组件或电池片型号",
                Each(
                    (
                        "TOPCon组件182双面",
                        "TOPCon组件210R双面",
                        "HJT组件210",
                        "PERC组件182",
                        "TOPCon电池片182",
                        "TOPCon电池片210R",
                    )
                ),
            ),
            col(
                "均价(元/W)",
                "含税成交均价",
                Walk(0.75, 0.015, 0.4, 1.2, decimals=3, starts=(0.72, 0.73, 0.8, 0.68, 0.28, 0.29)),
            ),
            col("周涨跌(元/W)", "较上周", Change("均价(元/W)", 3)),
        ),
    ),
    DemoProduct(
        key="pv_plant_output",
        vendor="shangrao_pv",
        board="photovoltaics",
        title_zh="分布式光伏电站日发电量数据",
        title_en="Distributed solar PV plant daily generation",
        summary_zh="上饶五座分布式与农光、渔光互补电站的装机容量、日发电量与辐照量。",
        summary_en="Installed capacity, daily generation and irradiation at five distributed, "
        "agrivoltaic and fishery-PV plants in Shangrao.",
        description=about(
            "来自电站监控系统的日发电量与气象站辐照数据，适合电站资产评估、运维对标与绿电交易。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2025, 3, 1),
        coverage_end=date(2025, 6, 30),
        regions=("shangrao",),
        tags=(
            "光伏",
            "发电量",
            "电站",
            "绿电",
            "solar",
            "PV output",
            "generation",
            "photovoltaics",
        ),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("2600"), research("1300"), commercial("8400")),
        file_format=FileFormat.XLSX,
        fields=(
            col("日期", "发电日", Period()),
            col(
                "电站",
                "电站名称",
                Each(
                    (
                        "广丰工业园屋顶电站",
                        "上饶经开区屋顶电站",
                        "鄱阳渔光互补电站",
                        "弋阳农光互补电站",
                        "玉山物流园屋顶电站",
                    )
                ),
            ),
            col(
                "装机容量(MW)", "直流侧装机", Level(1, 0, decimals=1, bases=(12, 8.5, 60, 35, 6.2))
            ),
            col(
                "日发电量(MWh)", "上网电量", Level(1, 0.3, decimals=1, bases=(48, 34, 240, 140, 25))
            ),
            col("日辐照量(kWh/m²)", "水平面总辐照", Uniform(1.2, 6.5, 2)),
        ),
    ),
    DemoProduct(
        key="pv_cell_efficiency",
        vendor="shangrao_pv",
        board="photovoltaics",
        title_zh="电池片量产批次转换效率与良率",
        title_en="Solar cell production lots: conversion efficiency and yield",
        summary_zh="TOPCon 与 HJT 产线逐批次的平均转换效率、A 级品率与片数。",
        summary_en="Average conversion efficiency, A-grade yield and wafer count for each "
        "production lot on TOPCon and HJT lines.",
        description=about(
            "来自电池片车间制造执行系统的批次记录，适合工艺改进、设备供应商评估与效率路线研究。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2025, 4, 1),
        coverage_end=date(2025, 6, 30),
        regions=("shangrao",),
        tags=("光伏", "电池片", "转换效率", "良率", "solar cell", "efficiency", "yield"),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("3000"), exclusive("60000")),
        file_format=FileFormat.CSV,
        rows=900,
        fields=(
            col("批次号", "生产批次", Serial("SRC25", 5)),
            col("产线", "电池片产线", Pick(("TOPCon-1", "TOPCon-2", "TOPCon-3", "HJT-1"))),
            col("生产日期", "批次完工日期", Day()),
            col("平均转换效率(%)", "批次平均", Uniform(25.2, 26.6, 2)),
            col("A级品率(%)", "A 级品占比", Uniform(95.5, 99.2, 2)),
            col("片数", "批次片数", Uniform(9000, 12000)),
        ),
    ),
    DemoProduct(
        key="pv_rooftop_households",
        vendor="shangrao_pv",
        board="photovoltaics",
        title_zh="户用光伏用户档案与发电收益",
        title_en="Household rooftop solar owners and generation income",
        summary_zh="上饶户用光伏用户的装机容量、并网日期与上年发电量，含户主姓名、身份证号、手机号、银行卡号与邮箱（脱敏交付）。",
        summary_en="Capacity, grid connection date and last year's generation of household "
        "rooftop PV systems, with owners' names, ID, mobile and bank card numbers and emails "
        "(delivered desensitised).",
        description=about(
            "来自户用光伏运维平台的用户档案，可用于运维服务、户用光伏金融产品风控与县域"
            "可再生能源规划；户主身份与收款信息为个人信息。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2019, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("shangrao",),
        tags=(
            "光伏",
            "户用光伏",
            "屋顶",
            "农户",
            "rooftop solar",
            "household PV",
            "photovoltaics",
            "personal data",
        ),
        grade=Grade.GENERAL,
        grade_justification=personal_grade("户主姓名、身份证号、手机号、银行卡号、电子邮箱"),
        offers=(internal("2400"), research("1200")),
        file_format=FileFormat.XLSX,
        rows=400,
        declared_note="户主姓名、身份证号、手机号、收益银行卡号、电子邮箱为个人信息。",
        fields=(
            col("用户编号", "运维平台用户编号", Serial("HY", 6)),
            col("户主姓名", "户主", Personal("name"), personal=True),
            col("身份证号", "户主居民身份证号码", Personal("id_number"), personal=True),
            col("手机号", "户主手机号", Personal("mobile"), personal=True),
            col("收益银行卡号", "发电收益结算卡", Personal("bank_card"), personal=True),
            col("电子邮箱", "电费结算单接收邮箱", Personal("email"), personal=True),
            col("县区", "所在县区", Pick(SHANGRAO_COUNTIES)),
            col("装机容量(kW)", "组件装机", Uniform(8, 40, 1)),
            col("并网日期", "并网发电日期", Day()),
            col("上年发电量(kWh)", "上一自然年上网电量", Uniform(8000, 48000)),
        ),
    ),
    DemoProduct(
        key="pv_manufacturing_energy",
        vendor="shangrao_pv",
        board="photovoltaics",
        title_zh="光伏制造各环节单位能耗月度数据",
        title_en="PV manufacturing energy consumption by stage, monthly",
        summary_zh="拉晶、切片、电池、组件各环节的单位产品电耗、综合能耗与水耗。",
        summary_en="Electricity, energy consumption and water use per kW of product for ingot "
        "pulling, wafering, cells and modules.",
        description=about(
            "对标《光伏制造行业规范条件》的能耗要求，可用于产品碳足迹、绿色工厂申报与节能诊断。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2023, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("shangrao",),
        tags=("光伏", "能耗", "碳足迹", "photovoltaics", "energy consumption", "carbon footprint"),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("2000"), research("1000")),
        file_format=FileFormat.CSV,
        fields=(
            col("月份", "统计月份", Period()),
            col("环节", "制造环节", Each(("单晶拉棒", "硅片切割", "电池片", "组件"))),
            col(
                "单位产品电耗(kWh/kW)",
                "每千瓦产品电耗",
                Level(1, 0.05, drift=-0.004, decimals=2, bases=(28, 6, 45, 12)),
            ),
            col(
                "单位产品综合能耗(kgce/kW)",
                "按电力当量折标准煤",
                Scaled("单位产品电耗(kWh/kW)", 0.1229, 0.1229, 3),
            ),
            col(
                "单位产品水耗(吨/kW)",
                "每千瓦产品新水消耗",
                Level(1, 0.06, decimals=2, bases=(0.9, 0.5, 1.8, 0.1)),
            ),
        ),
    ),
)
