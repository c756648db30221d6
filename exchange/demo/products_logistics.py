"""Demo products on the logistics sector board, from Ganjiang New Area."""

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
    Day,
    DemoProduct,
    Each,
    Level,
    Pattern,
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

LOGISTICS_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        key="logistics_freight_index",
        vendor="ganjiang_logistics",
        board="logistics",
        title_zh="江西公路货运价格指数周度数据（分线路）",
        title_en="Jiangxi road freight rates and index by route, weekly",
        summary_zh="南昌—上海、赣州—深圳等八条干线的整车运价、吨公里运价与运价指数。",
        summary_en="Weekly full-truckload rates, rates per tonne-km and a freight index on eight "
        "trunk routes from Jiangxi.",
        description=about(
            "基于赣畅物流平台撮合成交的运单，按线路计算周度运价与指数，适合货主议价、"
            "物流企业定价与区域经济监测。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.WEEKLY,
        coverage_start=date(2024, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("ganjiang_new_area", "nanchang", "ganzhou", "jiujiang"),
        tags=(
            "物流",
            "货运",
            "运价指数",
            "公路运输",
            "logistics",
            "freight rate",
            "trucking",
            "index",
        ),
        grade=Grade.GENERAL,
        grade_justification=MARKET_GRADE,
        offers=(internal("1500"), commercial("4900"), research("750")),
        file_format=FileFormat.CSV,
        versions=2,
        fields=(
            col("周开始日期", "统计周的周一", Period()),
            col(
                "线路",
                "干线线路",
                Each(
                    (
                        "南昌—上海",
                        "南昌—广州",
                        "南昌—武汉",
                        "赣州—深圳",
                        "九江—宁波",
                        "鹰潭—厦门",
                        "新余—长沙",
                        "宜春—杭州",
                    )
                ),
            ),
            col(
                "整车运价(元/车)",
                "17.5 米厢式车单程均价",
                Walk(
                    6000, 0.02, 2500, 9500, starts=(6800, 7600, 3600, 4700, 6200, 5300, 3100, 5600)
                ),
            ),
            col("吨公里运价(元/吨·公里)", "按重量折算", Uniform(0.28, 0.46, 3)),
            col("运价指数", "2024 年首周为 100", Walk(100, 0.02, 80, 125, decimals=1)),
        ),
    ),
    DemoProduct(
        key="logistics_driver_roster",
        vendor="ganjiang_logistics",
        board="logistics",
        title_zh="合作货车司机名录与安全评分",
        title_en="Partner truck driver roster and safety scores",
        summary_zh="平台合作司机的准驾车型、车牌、常用车型与安全评分，含姓名、身份证号、手机号与运费结算卡号（脱敏交付）。",
        summary_en="Partner truck drivers' licence class, plate, vehicle type and safety score, "
        "with names, ID numbers, mobile numbers and payout card numbers (delivered "
        "desensitised).",
        description=about(
            "来自物流平台司机管理系统的名录，可用于运力调度、保险定价与道路安全研究；"
            "司机身份、联系方式与银行卡号为个人信息。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2023, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("ganjiang_new_area", "nanchang"),
        tags=(
            "物流",
            "司机",
            "运力",
            "安全",
            "logistics",
            "truck drivers",
            "fleet",
            "personal data",
        ),
        grade=Grade.GENERAL,
        grade_justification=personal_grade("姓名、身份证号、手机号、银行卡号"),
        offers=(internal("1800"), research("900")),
        file_format=FileFormat.XLSX,
        rows=450,
        declared_note="姓名、身份证号、手机号、运费结算银行卡号为个人信息。",
        fields=(
            col("司机编号", "平台司机编号", Serial("SJ", 5)),
            col("姓名", "司机姓名", Personal("name"), personal=True),
            col("身份证号", "居民身份证号码", Personal("id_number"), personal=True),
            col("手机号", "司机手机号", Personal("mobile"), personal=True),
            col("运费结算银行卡号", "运费结算卡", Personal("bank_card"), personal=True),
            col("准驾车型", "驾驶证准驾车型", Pick(("A2", "B2", "A1"), (0.6, 0.35, 0.05))),
            col("车牌号", "常用车辆号牌", Pattern("赣A·#####")),
            col(
                "车型",
                "常用车型",
                Pick(("重型半挂牵引车", "中型厢式货车", "冷藏车", "轻型厢式货车")),
            ),
            col("安全评分", "近 12 个月安全驾驶评分", Uniform(68, 100)),
            col("入驻日期", "加入平台日期", Day()),
        ),
    ),
    DemoProduct(
        key="logistics_port_throughput",
        vendor="ganjiang_logistics",
        board="logistics",
        title_zh="江西港口与陆港集装箱吞吐量日度数据",
        title_en="Container throughput at Jiangxi river ports and dry ports, daily",
        summary_zh="九江港、南昌港、赣州与鹰潭国际陆港的每日集装箱（TEU）与货物吞吐量。",
        summary_en="Daily container (TEU) and cargo throughput at Jiujiang and Nanchang river "
        "ports and the Ganzhou and Yingtan dry ports.",
        description=about(
            "汇总江西通江达海、铁海联运主要节点的日度吞吐量，适合外贸企业订舱、航运与口岸研究。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.DAILY,
        coverage_start=date(2025, 2, 1),
        coverage_end=date(2025, 6, 30),
        regions=("jiujiang", "nanchang", "ganzhou", "yingtan"),
        tags=("物流", "港口", "集装箱", "吞吐量", "logistics", "port", "container", "TEU"),
        grade=Grade.GENERAL,
        grade_justification=STATISTICS_GRADE,
        offers=(internal("1300"), commercial("4300")),
        file_format=FileFormat.CSV,
        fields=(
            col("日期", "统计日", Period()),
            col(
                "港区",
                "港口或陆港",
                Each(("九江港城西港区", "南昌港龙头岗港区", "赣州国际陆港", "鹰潭国际陆港")),
            ),
            col("集装箱吞吐量(TEU)", "当日集装箱", Level(1, 0.15, bases=(2400, 1500, 900, 260))),
            col("货物吞吐量(万吨)", "当日货物", Level(1, 0.12, decimals=2, bases=(42, 18, 6, 3))),
            col("在港船舶或班列(艘/列)", "当日在港", Uniform(2, 40)),
        ),
    ),
    DemoProduct(
        key="logistics_rail_sea_trains",
        vendor="ganjiang_logistics",
        board="logistics",
        title_zh="赣州国际陆港铁海联运与中欧班列发运记录",
        title_en="Rail–sea and China–Europe train departures from Ganzhou dry port",
        summary_zh="逐列记录发运日期、线路、箱量、货值与主要货类。",
        summary_en="Each train's departure date, route, containers, cargo value and main goods.",
        description=about(
            "来自陆港运营平台的班列台账，适合外贸企业选择线路、货代比价与开放型经济研究。"
        ),
        product_type=ProductType.DATASET,
        update_frequency=UpdateFrequency.MONTHLY,
        coverage_start=date(2024, 1, 1),
        coverage_end=date(2025, 6, 30),
        regions=("ganzhou",),
        tags=(
            "物流",
            "中欧班列",
            "铁海联运",
            "陆港",
            "logistics",
            "rail freight",
            "China–Europe railway",
            "dry port",
        ),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("1100"), commercial("3500")),
        file_format=FileFormat.CSV,
        rows=300,
        fields=(
            col("班列编号", "发运班列编号", Serial("GZX", 4)),
            col("发运日期", "发车日期", Day()),
            col(
                "线路",
                "班列线路",
                Pick(
                    (
                        "赣州—深圳盐田港",
                        "赣州—厦门港",
                        "赣州—宁波舟山港",
                        "赣州—杜伊斯堡（中欧）",
                        "赣州—莫斯科（中欧）",
                        "赣州—万象（中老）",
                    )
                ),
            ),
            col("箱量(TEU)", "装载标准箱", Uniform(40, 110)),
            col("货值(万元)", "申报货值", Uniform(800, 9000)),
            col(
                "主要货类",
                "货值最大的货类",
                Pick(("家具", "电子产品", "稀土永磁", "服装纺织", "脐橙", "汽车配件")),
            ),
        ),
    ),
    DemoProduct(
        key="logistics_cold_chain",
        vendor="ganjiang_logistics",
        board="logistics",
        title_zh="冷链运输车厢温湿度实时数据",
        title_en="Cold-chain truck compartment temperature and humidity, real time",
        summary_zh="冷链车辆厢内温度、湿度、车速与所在地的小时数据接口。",
        summary_en="Hourly compartment temperature, humidity, speed and location of "
        "cold-chain trucks, as an API feed.",
        description=about(
            "来自冷链车载温控终端的小时数据，适合食品与医药冷链合规追溯、保险理赔与运输质量评估。"
        ),
        product_type=ProductType.API,
        update_frequency=UpdateFrequency.REALTIME,
        coverage_start=date(2025, 6, 21),
        coverage_end=date(2025, 6, 30),
        regions=("nanchang", "fuzhou", "ganzhou"),
        tags=("冷链", "温度", "物流", "cold chain", "temperature", "logistics", "IoT", "API"),
        grade=Grade.GENERAL,
        grade_justification=OPERATIONS_GRADE,
        offers=(internal("1600", months=6), commercial("5200")),
        file_format=FileFormat.JSON,
        fields=(
            col("时间", "整点", Period()),
            col("车辆", "冷链车辆号牌", Each(("赣A·L1021", "赣A·L1186", "赣F·L3307", "赣B·L5542"))),
            col("厢温(℃)", "厢内温度", Level(1, 0.03, decimals=1, bases=(-18, -18, 3, 4))),
            col("湿度(%)", "厢内相对湿度", Uniform(55, 92, 1)),
            col("车速(km/h)", "小时平均车速", Uniform(0, 92)),
            col("所在地", "所在设区市", Pick(("南昌", "抚州", "赣州", "吉安", "九江", "上饶"))),
        ),
    ),
)
