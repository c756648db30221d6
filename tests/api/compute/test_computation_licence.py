"""A computation licence end to end through the API: the vendor's policy and offer, the contract
stating the policy, the buyer's aggregate query run in the sandbox and entered in the ledger, a
row-level query refused with its rule and audited, no copy ever handed over, quotas and budgets
spent exactly, and the vendor's approval where the policy asks for it."""

from __future__ import annotations

import io
import json

from sqlalchemy import select

from exchange.compute.models import ComputeLicence, ComputeQuery
from exchange.extensions import db
from exchange.kernel.records import AuditEvent
from exchange.kernel.vocabulary import Role
from exchange.trading.models import TradeContract
from tests.api.helpers import assert_problem
from tests.catalog import person
from tests.compute import REGIONS, licensed
from tests.integration.catalog_pages import english, post, sign_in_as
from tests.trading import ledger_bodies

URL = "/api/v1"
AGGREGATE = 'SELECT "地区", COUNT(*) AS n, AVG("用电量(千瓦时)") AS mean FROM data GROUP BY "地区"'


def run(client, who, contract_id, text):
    return client.post(
        f"{URL}/contracts/{contract_id}/queries", json={"text": text}, headers=who.headers
    )


def test_the_contract_states_the_policy_and_the_quota(app, client):
    deal = licensed(app, client, quota=4)
    with app.app_context():
        contract = db.session.get(TradeContract, deal.contract_id)
        facts = json.loads(contract.canonical)
        texts = (contract.text_zh, contract.text_en)
        db.session.remove()
    assert facts["access"]["kind"] == "computation" and facts["access"]["quota"] == 4
    policy = facts["access"]["policy"]
    assert policy["min_group_size"] == 5 and policy["version"] == 1
    assert [c["name"] for c in policy["columns"]] == ["地区", "用电量(千瓦时)", "手机号"]
    assert "查询次数上限：4 次" in texts[0] and "至少代表 5 条记录" in texts[0]
    assert "Queries allowed: 4" in texts[1] and "at least 5 records" in texts[1]
    assert '"用电量(千瓦时)": aggregate only [0, 5000]' in texts[1]


def test_an_aggregate_query_runs_releases_groups_of_k_and_enters_the_ledger(app, client):
    deal = licensed(app, client)
    answer = run(client, deal.buyer, deal.contract_id, AGGREGATE)
    assert answer.status_code == 201, answer.get_json()
    query = answer.get_json()
    assert query["status"] == "done" and query["columns"] == ["地区", "n", "mean"]
    assert sorted(row[0] for row in query["rows"]) == sorted(REGIONS)  # 婺源's one row: gone
    assert all(row[1] >= 5 for row in query["rows"])
    assert "suppressed" not in query  # the count would tell whether a one-row group exists
    [entry] = ledger_bodies(app, "trade.computation")
    assert entry["query"] == AGGREGATE and entry["result_hash"] == query["result_hash"]
    assert entry["policy_version"] == 1 and entry["query_id"] == query["id"]
    assert query["ledger_seq"] is not None

    csv_file = client.get(
        f"{URL}/queries/{query['id']}/result?format=csv", headers=deal.buyer.headers
    )
    assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
    assert csv_file.get_data().decode("utf-8-sig").splitlines()[0] == "地区,n,mean"
    as_json = client.get(
        f"{URL}/queries/{query['id']}/result?format=json", headers=deal.buyer.headers
    ).get_json()
    assert as_json["rows"] == query["rows"]


def test_a_row_level_query_is_refused_with_its_rule_kept_and_audited(app, client):
    deal = licensed(app, client)
    refused = assert_problem(
        run(client, deal.buyer, deal.contract_id, 'SELECT "手机号" FROM data'), 422
    )
    assert refused["type"] == "urn:ganshu:problem:query-refused"
    assert "手机号" in refused["detail"]
    listed = client.get(
        f"{URL}/contracts/{deal.contract_id}/queries", headers=deal.buyer.headers
    ).get_json()
    assert [(q["status"], q["refusal"]) for q in listed] == [("refused", "column_not_licensed")]
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "compute.query_refused")
        ).all()
        licence = db.session.scalar(select(ComputeLicence))
        used = licence.queries_used
        db.session.remove()
    assert actions == ["compute.query_refused"]
    assert used == 0  # a refusal spends nothing
    assert ledger_bodies(app, "trade.computation") == []


def test_a_computation_licence_gives_no_copy(app, client):
    deal = licensed(app, client)
    [entitlement] = client.get(f"{URL}/entitlements", headers=deal.buyer.headers).get_json()
    refused = assert_problem(
        client.post(f"{URL}/entitlements/{entitlement['id']}/links", headers=deal.buyer.headers),
        409,
    )
    assert refused["type"] == "urn:ganshu:problem:no-copy"


def test_the_quota_stops_queries_and_the_attempt_is_refused(app, client):
    deal = licensed(app, client, quota=2)
    for _ in range(2):
        assert run(client, deal.buyer, deal.contract_id, AGGREGATE).status_code == 201
    spent = assert_problem(run(client, deal.buyer, deal.contract_id, AGGREGATE), 409)
    assert spent["type"] == "urn:ganshu:problem:queries-spent"
    console = client.get(
        f"{URL}/contracts/{deal.contract_id}/compute", headers=deal.buyer.headers
    ).get_json()
    assert console["queries_left"] == 0
    assert [q["status"] for q in console["queries"]] == ["refused", "done", "done"]


def test_a_dp_licence_spends_its_budget_and_then_refuses(app, client):
    deal = licensed(app, client, quota=10, epsilon_budget=1.0, epsilon_per_query=0.5)
    dp_query = (
        'SELECT "地区", COUNT(*) AS n, SUM("用电量(千瓦时)") AS total FROM data GROUP BY "地区"'
    )
    first = run(client, deal.buyer, deal.contract_id, dp_query).get_json()
    assert first["status"] == "done" and first["epsilon_spent"] == 0.5
    assert run(client, deal.buyer, deal.contract_id, dp_query).status_code == 201
    spent = assert_problem(run(client, deal.buyer, deal.contract_id, dp_query), 409)
    assert spent["type"] == "urn:ganshu:problem:privacy-budget-spent"
    console = client.get(
        f"{URL}/contracts/{deal.contract_id}/compute", headers=deal.buyer.headers
    ).get_json()
    assert console["epsilon_left"] == 0.0 and console["protection"] == "differential_privacy"


def test_a_query_needing_approval_waits_and_runs_when_the_vendor_approves(app, client):
    deal = licensed(app, client, needs_approval=True)
    pending = run(client, deal.buyer, deal.contract_id, AGGREGATE).get_json()
    assert pending["status"] == "pending" and pending["rows"] is None
    queue = client.get(f"{URL}/compute/approvals", headers=deal.vendor.headers).get_json()
    assert [q["id"] for q in queue] == [pending["id"]]
    assert client.get(f"{URL}/compute/approvals", headers=deal.buyer.headers).get_json() == []
    assert_problem(
        client.post(
            f"{URL}/queries/{pending['id']}/decision",
            json={"approve": True},
            headers=deal.buyer.headers,
        ),
        404,
    )
    decided = client.post(
        f"{URL}/queries/{pending['id']}/decision",
        json={"approve": True},
        headers=deal.vendor.headers,
    ).get_json()
    assert decided["status"] == "done" and decided["rows"]
    again = client.post(
        f"{URL}/queries/{pending['id']}/decision",
        json={"approve": False},
        headers=deal.vendor.headers,
    )
    assert assert_problem(again, 409)["type"] == "urn:ganshu:problem:query-not-pending"


def test_a_declined_query_never_runs(app, client):
    deal = licensed(app, client, needs_approval=True)
    pending = run(client, deal.buyer, deal.contract_id, AGGREGATE).get_json()
    declined = client.post(
        f"{URL}/queries/{pending['id']}/decision",
        json={"approve": False, "reason": "请缩小范围。"},
        headers=deal.vendor.headers,
    ).get_json()
    assert declined["status"] == "rejected" and declined["decision_reason"] == "请缩小范围。"
    with app.app_context():
        licence = db.session.scalar(select(ComputeLicence))
        assert licence.queries_used == 0
        db.session.remove()
    assert ledger_bodies(app, "trade.computation") == []


def test_only_the_buyers_buyers_query_and_outsiders_see_nothing(app, client):
    deal = licensed(app, client)
    stranger = person(app, [Role.BUYER])
    for outsider in (stranger, deal.vendor):
        assert run(client, outsider, deal.contract_id, AGGREGATE).status_code == 404
    assert client.get(
        f"{URL}/contracts/{deal.contract_id}/compute", headers=stranger.headers
    ).status_code == 404
    done = run(client, deal.buyer, deal.contract_id, AGGREGATE).get_json()
    assert client.get(f"{URL}/queries/{done['id']}", headers=stranger.headers).status_code == 404
    regulator = person(app, [Role.REGULATOR])
    seen = client.get(f"{URL}/queries/{done['id']}", headers=regulator.headers)
    assert seen.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(ComputeQuery.status)) == "done"
        db.session.remove()


def test_the_policy_refuses_grouping_on_a_personal_column(app, client):
    deal = licensed(app, client)
    columns = [
        {"name": "地区", "use": "group"},
        {"name": "手机号", "use": "group"},
    ]
    refused = assert_problem(
        client.put(
            f"{URL}/products/{deal.product_id}/compute-policy",
            json={"columns": columns, "min_group_size": 5, "max_rows": 10},
            headers=deal.vendor.headers,
        ),
        422,
    )
    assert "columns" in refused["errors"]


def test_the_regulator_sees_every_computation_in_the_trade_dossier(app, client):
    deal = licensed(app, client)
    done = run(client, deal.buyer, deal.contract_id, AGGREGATE).get_json()
    run(client, deal.buyer, deal.contract_id, 'SELECT "地区", "用电量(千瓦时)" FROM data')
    regulator = person(app, [Role.REGULATOR])
    dossier = client.get(
        f"{URL}/oversight/trades/{deal.contract_id}", headers=regulator.headers
    ).get_json()
    assert [(q["status"], q["refusal"]) for q in dossier["computations"]] == [
        ("done", None),
        ("refused", "column_outside_aggregate"),
    ]
    assert any(
        e["entry_type"] == "trade.computation" and e["body"]["query_id"] == done["id"]
        for e in dossier["ledger"]
    )
    sign_in_as(client, regulator)
    english(client)
    page = client.get(f"/oversight/trades/{deal.contract_id}").get_data(as_text=True)
    assert page.count('data-testid="computation"') == 2
    assert "outside an aggregate function" in page


def upload_table(client, who, contract_id, content):
    return client.put(
        f"{URL}/contracts/{contract_id}/compute/table",
        data={"file": (io.BytesIO(content), "mine.csv")},
        headers=who.headers,
        content_type="multipart/form-data",
    )


def test_a_query_joins_the_buyers_own_table_where_the_policy_allows(app, client):
    deal = licensed(app, client, allow_join=True)
    mine = "地区,省内排名\n南昌,1\n九江,2\n赣州,3\n".encode()
    shape = upload_table(client, deal.buyer, deal.contract_id, mine)
    assert shape.status_code == 200, shape.get_json()
    assert shape.get_json() == {
        "columns": ["地区", "省内排名"],
        "types": ["string", "integer"],
        "rows": 3,
    }
    joined = run(
        client,
        deal.buyer,
        deal.contract_id,
        'SELECT mine."省内排名", COUNT(*) AS n FROM data JOIN mine ON data."地区" = mine."地区" '
        'GROUP BY mine."省内排名" ORDER BY 1',
    )
    assert joined.status_code == 201, joined.get_json()
    assert [row[0] for row in joined.get_json()["rows"]] == [1, 2, 3]  # 上饶 has no rank


def test_without_join_in_the_policy_no_table_is_taken_and_joins_are_refused(app, client):
    deal = licensed(app, client)
    refused = assert_problem(
        upload_table(client, deal.buyer, deal.contract_id, "地区,x\n南昌,1\n".encode()), 409
    )
    assert refused["type"] == "urn:ganshu:problem:join-not-allowed"
    join = 'SELECT COUNT(*) FROM data JOIN mine ON data."地区" = mine."地区"'
    assert assert_problem(run(client, deal.buyer, deal.contract_id, join), 422)["type"] == (
        "urn:ganshu:problem:query-refused"
    )


def test_a_malformed_buyer_table_is_refused_with_the_reason(app, client):
    deal = licensed(app, client, allow_join=True)
    for content in (b"", "只有表头\n".encode(), b"a,a\n1,2\n", b"\xff\xfe\x00bad"):
        refused = assert_problem(upload_table(client, deal.buyer, deal.contract_id, content), 422)
        assert "file" in refused["errors"]


def test_the_vendor_sees_a_joined_querys_text_but_not_the_buyers_rows(app, client):
    deal = licensed(app, client, allow_join=True)
    upload_table(client, deal.buyer, deal.contract_id, "地区,客户编号\n南昌,C-77\n".encode())
    joined = run(
        client,
        deal.buyer,
        deal.contract_id,
        'SELECT mine."客户编号", COUNT(*) AS n FROM data JOIN mine ON data."地区" = mine."地区" '
        'GROUP BY mine."客户编号"',
    ).get_json()
    assert joined["rows"] == [["C-77", 30]]
    seen = client.get(f"{URL}/queries/{joined['id']}", headers=deal.vendor.headers).get_json()
    assert seen["text"] == joined["text"] and seen["rows"] is None and seen["columns"] is None
    result = client.get(f"{URL}/queries/{joined['id']}/result", headers=deal.vendor.headers)
    assert result.status_code == 409
    regulator = person(app, [Role.REGULATOR])
    audited = client.get(f"{URL}/queries/{joined['id']}", headers=regulator.headers).get_json()
    assert audited["rows"] == [["C-77", 30]]


def test_the_buyers_table_cannot_change_under_a_query_waiting_for_approval(app, client):
    deal = licensed(app, client, allow_join=True, needs_approval=True)
    upload_table(client, deal.buyer, deal.contract_id, "地区,排名\n南昌,1\n".encode())
    waiting = run(
        client,
        deal.buyer,
        deal.contract_id,
        'SELECT mine."排名", COUNT(*) FROM data JOIN mine ON data."地区" = mine."地区" '
        'GROUP BY mine."排名"',
    ).get_json()
    assert waiting["status"] == "pending"
    swapped = upload_table(client, deal.buyer, deal.contract_id, "地区,排名\n九江,1\n".encode())
    assert assert_problem(swapped, 409)["type"] == "urn:ganshu:problem:table-in-use"
    client.post(
        f"{URL}/queries/{waiting['id']}/decision",
        json={"approve": False},
        headers=deal.vendor.headers,
    )
    again = upload_table(client, deal.buyer, deal.contract_id, "地区,排名\n九江,1\n".encode())
    assert again.status_code == 200


def test_the_product_page_shows_each_computation_offers_price_per_query(app, client):
    deal = licensed(app, client, quota=40)
    product = client.get(f"{URL}/products/{deal.product_id}").get_json()
    [offer] = [o for o in product["offers"] if o["access"] == "computation"]
    assert (offer["quota"], offer["unit_price"]) == (40, "75.00")  # ¥3,000 for 40 queries
    sign_in_as(client, deal.buyer)
    english(client)
    page = client.get(f"/products/{deal.product_id}").get_data(as_text=True)
    assert "¥75.00 each" in page


def test_the_console_shows_a_refusal_once_beside_the_query_and_keeps_the_text(app, client):
    deal = licensed(app, client)
    sign_in_as(client, deal.buyer)
    english(client)
    text = 'SELECT "手机号" FROM data'
    page = post(client, f"/contracts/{deal.contract_id}/compute", {"text": text})
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert body.count('role="alert"') == 1 and 'data-testid="query-error"' in body
    assert "The licence does not allow reading the column 手机号." in body
    assert 'data-testid="form-error"' not in body
    assert "手机号&#34; FROM data</textarea>" in body
