"""The clause a contract adds when its licence gives API calls or computation instead of a copy:
the quota exactly, and for computation the whole query policy (each column's use, the minimum
group size, the rows a query may return, the privacy budget, approval and joins). Pure, fixed
wording, like the rest of the contract's text; a copy's contract gets no clause."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

USE_ZH = {"group": "可分组与筛选", "aggregate": "仅可聚合", "hidden": "不得使用"}
USE_EN = {"group": "group by and filter", "aggregate": "aggregate only", "hidden": "never used"}


def _number(value: object) -> str:
    return format(value, "g") if isinstance(value, float) else str(value)


def _columns(policy: Mapping[str, Any], uses: Mapping[str, str], *, zh: bool) -> str:
    """Each licensed column, its use and any bounds, quoted as the language quotes."""
    opening, closing, separator = ("“", "”：", "；") if zh else ('"', '": ', "; ")
    parts = []
    for rule in policy["columns"]:
        bounds = ""
        if rule.get("lower") is not None:
            bounds = f" [{_number(rule['lower'])}, {_number(rule['upper'])}]"
        parts.append(f"{opening}{rule['name']}{closing}{uses[rule['use']]}{bounds}")
    return separator.join(parts)


def _computation_zh(quota: int, policy: Mapping[str, Any]) -> str:
    lines = [
        "",
        "交付方式：隐私计算（数据可用不可见）。乙方不取得数据副本，仅可向交易所提交聚合查询，"
        "由交易所在隔离环境中对数据执行并交付经保护处理的结果。",
        f"查询次数上限：{quota} 次；查询规则第 {policy['version']} 版如下：",
        f"可用列：{_columns(policy, USE_ZH, zh=True) or '无'}；未列明的列不得使用；",
        f"每个输出行至少代表 {policy['min_group_size']} 条记录，不足的分组不予输出；",
        f"每次查询最多输出 {policy['max_rows']} 行；",
    ]
    if policy.get("epsilon_budget") is not None:
        lines.append(
            f"差分隐私：本合同隐私预算 ε 为 {_number(policy['epsilon_budget'])}，每次查询消耗 "
            f"{_number(policy['epsilon_per_query'])}，聚合结果加入校准噪声，预算用尽后不再执行查询；"
        )
        lines.append(
            "分组查询的每个分组仅在其含噪计数达到阈值时输出，该阈值使仅含一条记录的分组被输出的"
            "概率不超过千万分之一（δ = 10⁻⁷）；"
        )
    else:
        lines.append("本许可仅以最小分组规模保护数据，不加入差分隐私噪声；")
    lines.append(
        "每次查询须经甲方批准后执行；" if policy.get("needs_approval") else "查询自动执行；"
    )
    lines.append(
        "允许与乙方自有上传的数据表关联。" if policy.get("allow_join") else "不得与其他数据关联。"
    )
    lines.append("每次执行的查询文本、规则版本与结果摘要记入交易所账本。")
    return "\n".join(lines)


def _computation_en(quota: int, policy: Mapping[str, Any]) -> str:
    lines = [
        "",
        "Delivery by computation (usable, not visible): the licensee receives no copy of the "
        "data; it submits aggregate queries, which the Exchange runs over the data in an "
        "isolated environment, delivering only the protected results.",
        f"Queries allowed: {quota}. Query policy version {policy['version']}:",
        f"Columns: {_columns(policy, USE_EN, zh=False) or 'none'}; "
        "columns not listed may not be used;",
        f"every output row stands for at least {policy['min_group_size']} records; smaller "
        "groups are not output;",
        f"a query returns at most {policy['max_rows']} rows;",
    ]
    if policy.get("epsilon_budget") is not None:
        lines.append(
            f"differential privacy: the contract's privacy budget is epsilon "
            f"{_number(policy['epsilon_budget'])}, each query spends "
            f"{_number(policy['epsilon_per_query'])}, aggregates carry calibrated noise, and no "
            "query runs once the budget is spent;"
        )
        lines.append(
            "a grouped query outputs a group only when its noisy count reaches a threshold set "
            "so that a group of a single record is output with a probability of at most one in "
            "ten million (delta 10^-7);"
        )
    else:
        lines.append("the data is protected by the minimum group size alone, without noise;")
    lines.append(
        "each query runs only once the licensor approves it;"
        if policy.get("needs_approval")
        else "queries run automatically;"
    )
    lines.append(
        "joins with the licensee's own uploaded table are allowed."
        if policy.get("allow_join")
        else "no join with other data is allowed."
    )
    lines.append("Each query run, its policy version and a hash of its result enter the ledger.")
    return "\n".join(lines)


def access_clause(facts: Mapping[str, Any]) -> tuple[str, str]:
    """The delivery clause for API calls or computation, in Chinese and English; empty for a
    copy, so a copy's contract reads as before."""
    access = facts.get("access")
    if not access:
        return "", ""
    quota = int(access["quota"])
    if access["kind"] == "api":
        return (
            f"\n交付方式：数据接口调用。乙方凭交易所签发的接口密钥调用，调用次数上限为 {quota} 次，"
            "每次调用均计量，按日汇总记入交易所账本；返回的数据同样带有数字指纹。",
            f"\nDelivery by API calls: the licensee calls the data API with a key the Exchange "
            f"issues, up to {quota} calls; every call is metered and each day's calls are "
            "summarised in the Exchange's ledger; the rows returned carry the same fingerprint.",
        )
    policy = access["policy"]
    return _computation_zh(quota, policy), _computation_en(quota, policy)
