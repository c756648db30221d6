"""The contract's readable texts: every key term, in both languages, and the hash they quote."""

from __future__ import annotations

import pytest

from exchange.trading.access_text import access_clause
from exchange.trading.contract_text import render_en, render_zh

HASH = "ab" * 32


def facts(**terms):
    return {
        "number": "GTC-2026-000042",
        "created_at": "2026-11-02T08:00:00Z",
        "vendor": {
            "name_zh": "鹰潭铜业数据有限公司",
            "name_en": "Yingtan Copper Data Co.",
            "credit_code": "91360600MA35XXXX1X",
        },
        "buyer": {
            "name_zh": "南昌新材料研究院",
            "name_en": "Nanchang Materials Institute",
            "credit_code": "12360100MB1234567Y",
        },
        "product": {
            "id": 7,
            "title_zh": "鹰潭阴极铜现货日价",
            "title_en": "Yingtan copper prices",
            "version": 2,
            "data_sha256": "cd" * 32,
        },
        "offer": {"id": 9},
        "terms": {
            "scope": "commercial",
            "term_months": 24,
            "territory": "jiangxi",
            "exclusive": False,
            "seats": 3,
            "derivative": True,
            "starts_on": "2026-11-02",
            "ends_on": "2028-11-01",
        }
        | terms,
        "price": "25000.00",
        "currency": "CNY",
        "fee_rate": "0.0300",
        "fee": "750.00",
        "acceptance_days": 7,
    }


@pytest.mark.parametrize("render", [render_zh, render_en])
def test_both_texts_name_parties_product_price_fee_period_and_hash(render):
    text = render(facts(), HASH)
    for term in (
        "GTC-2026-000042",
        "91360600MA35XXXX1X",
        "12360100MB1234567Y",
        "25000.00",
        "750.00",
        "2026-11-02",
        "2028-11-01",
        HASH,
        "cd" * 32,
    ):
        assert term in text


def test_the_chinese_text_spells_out_the_licence():
    text = render_zh(facts(), HASH)
    for term in (
        "鹰潭铜业数据有限公司",
        "南昌新材料研究院",
        "鹰潭阴极铜现货日价",
        "商业使用",
        "江西省",
        "非独占许可",
        "3 个",
        "24 个月",
        "3%",
        "托管账户",
        "7 日内",
        "人民法院",
        "中华人民共和国法律",
        "允许乙方",
    ):
        assert term in text


def test_the_english_text_spells_out_the_licence():
    text = render_en(facts(exclusive=True, derivative=False), HASH)
    for term in (
        "Yingtan Copper Data Co.",
        "Nanchang Materials Institute",
        "commercial use",
        "Jiangxi Province",
        "exclusive licence",
        "Seats: 3",
        "24 months",
        "3%",
        "escrow",
        "within 7 days",
        "People's Republic of China",
        "no derivative",
    ):
        assert term in text
    assert "non-exclusive" not in text


def test_a_dp_computation_clause_states_delta_and_a_threshold_clause_states_no_noise():
    policy = {
        "version": 3,
        "columns": [{"name": "地区", "use": "group"}],
        "min_group_size": 5,
        "max_rows": 100,
        "epsilon_budget": 2.0,
        "epsilon_per_query": 0.5,
        "needs_approval": False,
        "allow_join": False,
    }
    zh, en = access_clause({"access": {"kind": "computation", "quota": 40, "policy": policy}})
    assert "隐私预算 ε 为 2，每次查询消耗 0.5" in zh and "δ = 10⁻⁷" in zh
    assert "epsilon 2, each query spends 0.5" in en and "delta 10^-7" in en
    exact = policy | {"epsilon_budget": None, "epsilon_per_query": None}
    zh, en = access_clause({"access": {"kind": "computation", "quota": 40, "policy": exact}})
    assert "δ" not in zh and "delta" not in en
    assert "without noise" in en
