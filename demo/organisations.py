"""Demo data: one organisation per role with a login each, loaded once and never twice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from exchange.accounts.models import Organisation, User
from exchange.accounts.users import add_membership, new_user
from exchange.kernel import audit
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role, VerificationStatus
from exchange.ledger.events import record_event

DEMO_PASSWORD = "Ganshu-Demo-2026"  # noqa: S105 - a published demo login, never used in production


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    organisation: str


DEMO_ORGANISATIONS: tuple[dict[str, Any], ...] = (
    {
        "org": dict(
            name_zh="赣数交易运营中心（演示）",
            name_en="Ganshu Exchange Operations (demo)",
            credit_code="91360100MA35GK01X8",
            region="nanchang",
            dcmm_level=4,
            dcmm_certificate_no="DCMM-2025-36-0401",
            contact_name="周敏",
            contact_phone="0791-8888 0001",
            contact_email="ops@demo.ganshu.cn",
        ),
        "user": dict(email="operator@demo.ganshu.cn", display_name="周敏（运营）"),
        "roles": {Role.OPERATOR},
        "status": VerificationStatus.VERIFIED,
    },
    {
        "org": dict(
            name_zh="江西省数据监管办公室（演示）",
            name_en="Jiangxi Data Supervision Office (demo)",
            credit_code="11360000MB1700502Q",
            region="nanchang",
            dcmm_level=None,
            dcmm_certificate_no=None,
            contact_name="刘建华",
            contact_phone="0791-8888 0002",
            contact_email="supervision@demo.ganshu.cn",
        ),
        "user": dict(email="regulator@demo.ganshu.cn", display_name="刘建华（监管）"),
        "roles": {Role.REGULATOR},
        "status": VerificationStatus.VERIFIED,
    },
    {
        "org": dict(
            name_zh="鹰潭铜业数据科技有限公司（演示）",
            name_en="Yingtan Copper Data Technology Co., Ltd. (demo)",
            credit_code="91360400MA38TB0270",
            region="yingtan",
            dcmm_level=3,
            dcmm_certificate_no="DCMM-2024-36-0318",
            contact_name="陈立",
            contact_phone="0701-6200 1188",
            contact_email="data@copper.demo.ganshu.cn",
        ),
        "user": dict(email="vendor@demo.ganshu.cn", display_name="陈立（数据商）"),
        "roles": {Role.VENDOR},
        "status": VerificationStatus.VERIFIED,
    },
    {
        "org": dict(
            name_zh="宜春锂电新材料有限公司（演示）",
            name_en="Yichun Lithium Materials Co., Ltd. (demo)",
            credit_code="91360500MA36LY038Y",
            region="yichun",
            dcmm_level=2,
            dcmm_certificate_no="DCMM-2025-36-0207",
            contact_name="黄静",
            contact_phone="0795-3300 2266",
            contact_email="procure@lithium.demo.ganshu.cn",
        ),
        "user": dict(email="buyer@demo.ganshu.cn", display_name="黄静（需方）"),
        "roles": {Role.BUYER},
        "status": VerificationStatus.VERIFIED,
    },
    {
        "org": dict(
            name_zh="赣州稀土产业研究院（演示）",
            name_en="Ganzhou Rare Earth Industry Institute (demo)",
            credit_code="91360700MA39XT046L",
            region="ganzhou",
            dcmm_level=None,
            dcmm_certificate_no=None,
            contact_name="罗佳",
            contact_phone="0797-8100 3399",
            contact_email="info@rareearth.demo.ganshu.cn",
        ),
        "user": dict(email="newcomer@demo.ganshu.cn", display_name="罗佳（待审核）"),
        "roles": {Role.VENDOR, Role.BUYER},
        "status": VerificationStatus.PENDING,
    },
)


def demo_logins() -> list[DemoLogin]:
    """One login per demo organisation, to print beside the demo's address."""
    return [
        DemoLogin(
            "/".join(sorted(e["roles"])), e["user"]["email"], DEMO_PASSWORD, e["org"]["name_zh"]
        )
        for e in DEMO_ORGANISATIONS
    ]


def load_demo_data(uow: UnitOfWork) -> int:
    """Create whatever demo organisations are missing; return how many were new."""
    session = uow.session
    created = 0
    for entry in DEMO_ORGANISATIONS:
        org_data, user_data = entry["org"], entry["user"]
        exists = session.scalar(
            select(Organisation.id).where(Organisation.credit_code == org_data["credit_code"])
        )
        if exists or session.scalar(select(User.id).where(User.email == user_data["email"])):
            continue
        organisation = Organisation(**org_data, verification_status=entry["status"])
        if entry["status"] == VerificationStatus.VERIFIED:
            organisation.verified_at = utcnow()
        session.add(organisation)
        user = new_user(session, password=DEMO_PASSWORD, **user_data)
        add_membership(session, user, organisation, entry["roles"], is_admin=True)
        session.flush()
        if entry["status"] == VerificationStatus.VERIFIED:
            record_event(
                session,
                "organisation.verification_decided",
                {
                    "organisation_id": organisation.id,
                    "credit_code": organisation.credit_code,
                    "name_zh": organisation.name_zh,
                    "decision": "verified",
                    "decided_by": None,
                },
                parties=[organisation.id],
            )
        audit.record(
            session,
            "demo.loaded",
            actor_id=user.id,
            organisation_id=organisation.id,
            subject=user.email,
        )
        created += 1
    uow.commit()
    return created
