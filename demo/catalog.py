"""The demo catalog: vendors and their products, fed through the same services a vendor uses.

Every file is generated, uploaded, encrypted and profiled; every listing goes through the review
workflow with the demo operator and regulator, so the ledger holds the same entries a real
listing makes. Loading twice adds nothing.
"""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import func, select

from demo import DEMO_PRODUCTS, DEMO_VENDORS, generate_file
from demo.organisations import DEMO_PASSWORD
from demo.specs import DemoProduct, DemoVendor
from exchange.accounts.actors import load_actor
from exchange.accounts.models import Organisation, User
from exchange.accounts.users import add_membership, new_user
from exchange.catalog import listing, products, versions
from exchange.catalog.datafiles import DataFiles, Upload
from exchange.catalog.domain import Grade, ListingStatus
from exchange.catalog.models import DataProduct, ProductVersion
from exchange.kernel.actors import Actor
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role, VerificationStatus
from exchange.ledger.events import record_event

OPERATOR_EMAIL = "operator@demo.ganshu.cn"
REGULATOR_EMAIL = "regulator@demo.ganshu.cn"
VENDOR_FIELDS = (
    "name_zh",
    "name_en",
    "credit_code",
    "region",
    "dcmm_level",
    "dcmm_certificate_no",
    "contact_name",
    "contact_phone",
    "contact_email",
)


def _vendor_user(uow: UnitOfWork, vendor: DemoVendor) -> int:
    """The vendor's login, creating the verified organisation and user when missing."""
    session = uow.session
    user_id = session.scalar(select(User.id).where(User.email == vendor.user_email))
    if user_id is not None:
        return user_id
    organisation = session.scalar(
        select(Organisation).where(Organisation.credit_code == vendor.credit_code)
    )
    if organisation is None:
        organisation = Organisation(
            **{k: getattr(vendor, k) for k in VENDOR_FIELDS},
            verification_status=VerificationStatus.VERIFIED,
            verified_at=utcnow(),
        )
        session.add(organisation)
        session.flush()
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
    user = new_user(
        session,
        email=vendor.user_email,
        display_name=vendor.user_display_name,
        password=DEMO_PASSWORD,
    )
    add_membership(session, user, organisation, {Role.VENDOR, Role.BUYER}, is_admin=True)
    uow.commit()
    return user.id


def _actor(uow: UnitOfWork, user_id: int) -> Actor:
    actor = load_actor(uow.session, user_id)
    assert actor is not None
    return actor


def _metadata(spec: DemoProduct) -> dict[str, Any]:
    return {
        "board": spec.board,
        "title_zh": spec.title_zh,
        "title_en": spec.title_en,
        "summary_zh": spec.summary_zh,
        "summary_en": spec.summary_en,
        "description": spec.description,
        "product_type": spec.product_type,
        "update_frequency": spec.update_frequency,
        "coverage_start": spec.coverage_start,
        "coverage_end": spec.coverage_end,
        "regions": list(spec.regions),
        "tags": list(spec.tags),
        "grade": spec.grade,
        "grade_justification": spec.grade_justification,
        "declared_quality": {"accuracy": spec.accuracy} if spec.accuracy is not None else {},
        "offers": [
            {
                "kind": o.kind,
                "scope": o.scope,
                "term_months": o.term_months,
                "territory": o.territory,
                "seats": o.seats,
                "derivative": o.derivative,
                "redistribution": o.redistribution,
                "price": o.price,
            }
            for o in spec.offers
        ],
        "fields": [
            {"name": f.name, "unit": f.unit, "description": f.description, "personal": f.personal}
            for f in spec.fields
        ],
    }


def _upload(spec: DemoProduct, version: int) -> Upload:
    name, content = generate_file(spec, version)
    return Upload(filename=name, stream=io.BytesIO(content))


def _place(
    uow: UnitOfWork, spec: DemoProduct, product_id: int, reviewers: dict[str, Actor], vendor: Actor
) -> None:
    """Walk the product through the workflow to the status the spec asks for, from wherever
    it stands (an interrupted load may have taken some of the steps)."""

    def status() -> ListingStatus | None:
        return uow.session.scalar(select(DataProduct.status).where(DataProduct.id == product_id))

    if spec.status == ListingStatus.DRAFT:
        return
    if status() == ListingStatus.DRAFT:
        listing.submit(uow, vendor, product_id)
    if spec.status == ListingStatus.SUBMITTED:
        return
    if status() == ListingStatus.SUBMITTED:
        listing.review(uow, reviewers["operator"], product_id, "approve")
    if spec.status == ListingStatus.IN_REVIEW:
        return
    if spec.grade == Grade.IMPORTANT and status() == ListingStatus.IN_REVIEW:
        listing.review(uow, reviewers["regulator"], product_id, "approve")


def _add_versions(
    uow: UnitOfWork, spec: DemoProduct, product_id: int, vendor: Actor, files: DataFiles
) -> None:
    """The spec's later versions the product does not have yet."""
    have = uow.session.scalar(
        select(func.max(ProductVersion.number)).where(ProductVersion.product_id == product_id)
    )
    for version in range((have or 1) + 1, spec.versions + 1):
        versions.add_version(
            uow,
            vendor,
            files,
            product_id,
            _upload(spec, version),
            note=f"第 {version} 版：数据更新（演示）",
        )


def begin_product(uow: UnitOfWork, spec: DemoProduct, files: DataFiles) -> int:
    """The product's first step: created as a draft with its first version (where a load that
    was interrupted may have left it); its id."""
    vendor_spec = next(v for v in DEMO_VENDORS if v.key == spec.vendor)
    vendor = _actor(uow, _vendor_user(uow, vendor_spec))
    data = _metadata(spec) | {"vendor_id": vendor.memberships[0].organisation_id}
    created: int = products.create_product(uow, vendor, files, data, _upload(spec, 1))["id"]
    return created


def load_demo_catalog(uow: UnitOfWork, files: DataFiles) -> int:
    """Create the demo vendors and whatever demo products are missing, and complete any an
    interrupted load left without all its versions or short of its status; how many new."""
    session = uow.session
    vendors = {v.key: _vendor_user(uow, v) for v in DEMO_VENDORS}
    reviewers = {
        role: _actor(uow, session.scalar(select(User.id).where(User.email == email)) or 0)
        for role, email in (("operator", OPERATOR_EMAIL), ("regulator", REGULATOR_EMAIL))
    }
    created = 0
    for spec in DEMO_PRODUCTS:
        vendor = _actor(uow, vendors[spec.vendor])
        vendor_id = vendor.memberships[0].organisation_id
        product_id = session.scalar(
            select(DataProduct.id).where(
                DataProduct.vendor_id == vendor_id, DataProduct.title_zh == spec.title_zh
            )
        )
        if product_id is None:
            product_id = begin_product(uow, spec, files)
            created += 1
        _add_versions(uow, spec, product_id, vendor, files)
        _place(uow, spec, product_id, reviewers, vendor)
    return created
