"""The readable text of a data licence agreement, in Chinese and English, from its frozen facts.

The text is rendered once, when the contract is drafted, from the same facts that are hashed
as canonical JSON, and it quotes that hash, so the words and the signed hash cannot drift
apart. Pure: no database, no app; the wording is fixed here rather than in the translation
catalogs because a contract's text must never change with a catalog update.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypedDict

from exchange.trading.access_text import access_clause

SCOPE_ZH = {"internal": "内部分析使用", "research": "科学研究使用", "commercial": "商业使用"}
SCOPE_EN = {"internal": "internal analysis", "research": "research", "commercial": "commercial use"}
TERRITORY_ZH = {"jiangxi": "江西省", "mainland": "中国大陆（不含港澳台地区）", "global": "全球"}
TERRITORY_EN = {
    "jiangxi": "Jiangxi Province",
    "mainland": "mainland China (excluding Hong Kong, Macao and Taiwan)",
    "global": "worldwide",
}

ZH = """数据产品使用许可合同

合同编号：{number}
签订日期：{created_on}

甲方（许可方、数据商）：{vendor_zh}
统一社会信用代码：{vendor_code}
乙方（被许可方、需方）：{buyer_zh}
统一社会信用代码：{buyer_code}

甲乙双方经赣数数据交易平台（以下简称“交易所”）协商一致，依据《中华人民共和国民法典》
《中华人民共和国数据安全法》《中华人民共和国个人信息保护法》等法律法规，订立本合同。

第一条 数据产品
甲方许可乙方使用其在交易所挂牌的数据产品“{product_zh}”（产品编号 {product_id}，
许可要约编号 {offer_id}）。交付数据以第 {version} 版为准，其 SHA-256 摘要为 {data_sha256}。

第二条 许可范围
1. 使用范围：{scope_zh}；
2. 地域范围：{territory_zh}；
3. 许可性质：{exclusive_zh}；
4. 授权席位：{seats} 个；
5. 衍生数据：{derivative_zh}。
乙方不得超出上述范围使用、转售或向第三方提供本数据产品。

第三条 许可期限
许可期限为 {term_months} 个月，自 {starts_on} 起至 {ends_on} 止。

第四条 价款与服务费
许可费用为人民币 {price} 元（{currency}）。交易所按 {fee_percent}% 的费率向甲方收取服务费，
计人民币 {fee} 元，从甲方应收价款中扣除。

第五条 付款与资金托管
本合同经双方签署后，乙方应将全部价款支付至交易所托管账户。价款在乙方确认交付或验收期届满后
由交易所结算给甲方；争议成立的，托管资金退还乙方。

第六条 交付与验收
乙方付款后，交易所为乙方开通数据获取权限，乙方通过有时效的加密链接下载数据，每一份副本均带有
可追溯的数字指纹。乙方应在交付后 {acceptance_days} 日内确认验收或提出异议；
逾期未提出异议的，视为验收合格。{access_zh}

第七条 数据安全与合规
乙方应依法采取必要措施保障数据安全，不得尝试重新识别已脱敏的个人信息，不得将数据用于违法用途。{personal_zh}

第八条 争议解决
因本合同产生的争议，双方应先行协商，并可通过交易所的争议处理程序解决；协商不成的，任何一方可向
交易所所在地有管辖权的人民法院提起诉讼。

第九条 适用法律
本合同的订立、效力、解释、履行及争议解决均适用中华人民共和国法律。

第十条 电子签署与存证
双方以 EIP-712 结构化数据电子签名的方式签署本合同，签名与下列合同哈希一并记入交易所账本并上链存证，
具有与书面签字同等的法律效力。
合同哈希（SHA-256）：{contract_hash}
"""

EN = """DATA PRODUCT LICENCE AGREEMENT

Contract number: {number}
Date: {created_on}

Licensor (vendor): {vendor_en}
Unified social credit code: {vendor_code}
Licensee (buyer): {buyer_en}
Unified social credit code: {buyer_code}

The parties, having agreed through the Ganshu Data Exchange (the "Exchange"), enter into this
agreement under the Civil Code, the Data Security Law and the Personal Information Protection
Law of the People's Republic of China.

1. Data product
The licensor licenses to the licensee the data product "{product_en}" listed on the Exchange
(product {product_id}, licence offer {offer_id}). The data delivered is version {version}, whose
SHA-256 digest is {data_sha256}.

2. Licence scope
(a) Use: {scope_en};
(b) Territory: {territory_en};
(c) Exclusivity: {exclusive_en};
(d) Seats: {seats};
(e) Derivative works: {derivative_en}.
The licensee shall not use, resell or provide the data to third parties beyond this scope.

3. Term
The licence runs for {term_months} months, from {starts_on} to {ends_on} inclusive.

4. Price and fee
The licence fee is {price} {currency}. The Exchange charges the licensor a service fee at
{fee_percent}%, being {fee} {currency}, deducted from the amount payable to the licensor.

5. Payment into escrow
Once both parties have signed, the licensee shall pay the full price into the Exchange's escrow.
The Exchange releases it to the licensor when the licensee accepts delivery or the acceptance
window closes; if a dispute is upheld, the escrowed funds are refunded to the licensee.

6. Delivery and acceptance
On payment the Exchange grants the licensee access to the data, downloaded through expiring
encrypted links; every copy carries a traceable fingerprint. The licensee shall accept delivery
or raise a dispute within {acceptance_days} days of delivery; silence is acceptance.{access_en}

7. Data security and compliance
The licensee shall keep the data secure as the law requires, shall not attempt to re-identify
desensitised personal information and shall not use the data unlawfully.{personal_en}

8. Disputes
The parties shall first seek to settle any dispute by consultation and may use the Exchange's
dispute procedure; failing that, either party may sue in the competent people's court where the
Exchange is located.

9. Governing law
This agreement is governed by the laws of the People's Republic of China.

10. Electronic signature and record
The parties sign this agreement as EIP-712 typed data; the signatures and the contract hash below
are recorded in the Exchange's ledger and anchored on chain, with the same effect as handwritten
signatures.
Contract hash (SHA-256): {contract_hash}
"""


KIND_ZH = {
    "id_number": "居民身份证号码",
    "mobile": "手机号码",
    "landline": "固定电话号码",
    "email": "电子邮箱",
    "bank_card": "银行卡号",
    "travel_document": "护照或通行证号码",
    "declared": "数据商声明的个人信息",
}
KIND_EN = {
    "id_number": "resident ID numbers",
    "mobile": "mobile numbers",
    "landline": "landline numbers",
    "email": "e-mail addresses",
    "bank_card": "bank card numbers",
    "travel_document": "passport or permit numbers",
    "declared": "personal information declared by the vendor",
}
FORM_ZH = {
    "masked": "遮盖交付（部分字符以*隐去）",
    "pseudonymised": "假名化交付（以交易所为乙方生成的密钥化标记替换，同一值对应同一标记）",
    "raw": "原样交付（甲方已说明个人信息保护法第十三条规定的处理依据，并经监管机构批准）",
}
FORM_EN = {
    "masked": "masked (characters replaced by *)",
    "pseudonymised": (
        "pseudonymised (replaced by a token keyed for the licensee; equal values give equal tokens)"
    ),
    "raw": (
        "raw (the licensor has stated its basis under PIPL Art. 13 and a regulator has approved it)"
    ),
}


def _personal(facts: Mapping[str, Any]) -> tuple[str, str]:
    """The clause naming each personal column's delivered form; empty for a contract whose
    product holds none (or one drafted before forms were recorded), so its text is unchanged."""
    columns = facts.get("personal_information") or []
    if not columns:
        return "", ""
    zh = ["", "本数据产品含个人信息，各列按以下方式交付，其他列中出现的个人信息一律遮盖："]
    en = [
        "",
        "The data product holds personal information. Each column below is delivered as "
        "stated; personal values found in any other column are masked:",
    ]
    for item in columns:
        kind = item["kind"]
        zh.append(f"“{item['column']}”（{KIND_ZH.get(kind, kind)}）：{FORM_ZH[item['form']]}；")
        en.append(f'- "{item["column"]}" ({KIND_EN.get(kind, kind)}): {FORM_EN[item["form"]]};')
    return "\n".join(zh), "\n".join(en)


class TextFields(TypedDict):
    """The placeholders of the agreement's text, filled from its canonical facts (JSON values)."""

    personal_zh: str
    personal_en: str
    access_zh: str
    access_en: str
    number: str
    created_on: str
    vendor_zh: str
    vendor_en: str
    vendor_code: str
    buyer_zh: str
    buyer_en: str
    buyer_code: str
    product_zh: str
    product_en: str
    product_id: int
    offer_id: int
    version: int | None
    data_sha256: str | None
    scope_zh: str
    scope_en: str
    territory_zh: str
    territory_en: str
    exclusive_zh: str
    exclusive_en: str
    derivative_zh: str
    derivative_en: str
    seats: int
    term_months: int
    starts_on: str
    ends_on: str
    price: str
    currency: str
    fee: str
    fee_percent: str
    acceptance_days: int
    contract_hash: str


def _fields(facts: Mapping[str, Any], contract_hash: str) -> TextFields:
    terms = facts["terms"]
    product = facts["product"]
    exclusive, derivative = terms["exclusive"], terms["derivative"]
    personal_zh, personal_en = _personal(facts)
    access_zh, access_en = access_clause(facts)
    return TextFields(
        personal_zh=personal_zh,
        personal_en=personal_en,
        access_zh=access_zh,
        access_en=access_en,
        number=facts["number"],
        created_on=facts["created_at"][:10],
        vendor_zh=facts["vendor"]["name_zh"],
        vendor_en=facts["vendor"]["name_en"],
        vendor_code=facts["vendor"]["credit_code"],
        buyer_zh=facts["buyer"]["name_zh"],
        buyer_en=facts["buyer"]["name_en"],
        buyer_code=facts["buyer"]["credit_code"],
        product_zh=product["title_zh"],
        product_en=product["title_en"],
        product_id=product["id"],
        offer_id=facts["offer"]["id"],
        version=product["version"],
        data_sha256=product["data_sha256"],
        scope_zh=SCOPE_ZH[terms["scope"]],
        scope_en=SCOPE_EN[terms["scope"]],
        territory_zh=TERRITORY_ZH[terms["territory"]],
        territory_en=TERRITORY_EN[terms["territory"]],
        exclusive_zh="独占许可" if exclusive else "非独占许可",
        exclusive_en="exclusive licence" if exclusive else "non-exclusive licence",
        derivative_zh="允许乙方基于本数据加工形成衍生数据"
        if derivative
        else "不得基于本数据形成衍生数据产品",
        derivative_en="the licensee may create derived data"
        if derivative
        else "no derivative data products may be made",
        seats=terms["seats"],
        term_months=terms["term_months"],
        starts_on=terms["starts_on"],
        ends_on=terms["ends_on"],
        price=facts["price"],
        currency=facts["currency"],
        fee=facts["fee"],
        fee_percent=_percent(facts["fee_rate"]),
        acceptance_days=facts["acceptance_days"],
        contract_hash=contract_hash,
    )


def _percent(rate: str) -> str:
    """A fee rate such as "0.0300" as a percentage without trailing zeros: "3"."""
    value = (Decimal(rate) * 100).normalize()
    return format(value, "f")


def render_zh(facts: Mapping[str, Any], contract_hash: str) -> str:
    """The agreement in Chinese, from the contract's canonical facts and their hash."""
    return ZH.format(**_fields(facts, contract_hash))


def render_en(facts: Mapping[str, Any], contract_hash: str) -> str:
    """The agreement in English, from the contract's canonical facts and their hash."""
    return EN.format(**_fields(facts, contract_hash))
