"""The demo's rights registry: certificates for the listed catalog, a few notices still running.

Every registration goes through the registry's services with a generated basis document, so
the ledger, the notice board and the certificates are what a real vendor's would be. The last
listed products stay on public notice (the demo's short period lets a visitor watch them get
certified); one of them carries an objection from another demo vendor for the operator to
decide. Loading again completes what an interrupted load left (registrations, certificates due,
the objection) and adds nothing to a complete registry.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from contracts.certificates import CertificateSigner
from exchange.accounts.actors import load_actor
from exchange.accounts.models import Membership
from exchange.catalog.datafiles import DataFiles
from exchange.catalog.domain import ListingStatus
from exchange.catalog.models import DataProduct
from exchange.kernel.actors import Actor
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.rights import notice as rights_notice
from exchange.rights import registration as rights
from exchange.rights.documents import Document
from exchange.rights.domain import RegistrationStatus, RightKind
from exchange.rights.models import RightsObjection, RightsRegistration

ON_NOTICE = 3
OBJECTION = "我方于 2025 年起采集同一批次的生产数据，申请方未说明数据来源的授权链条，请核实。"


def basis_pdf(title: str) -> bytes:
    """A one-page PDF stating where the demo data comes from (ASCII: no font to embed)."""
    text = f"Ganshu demo basis document: {title}".encode("ascii", "replace")
    stream = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def _member(uow: UnitOfWork, organisation_id: int) -> Actor:
    user_id = uow.session.scalar(
        select(Membership.user_id)
        .where(Membership.organisation_id == organisation_id)
        .order_by(Membership.id)
        .limit(1)
    )
    actor = load_actor(uow.session, user_id or 0)
    assert actor is not None
    return actor


def register(
    uow: UnitOfWork,
    product: DataProduct,
    files: DataFiles,
    *,
    notice_seconds: float,
    max_document_bytes: int,
) -> None:
    """Apply for the three rights of one demo product, as its vendor, with a basis document."""
    claims = [
        {
            "right": right.value,
            "uses": ["internal", "research", "commercial"],
            "territory": "mainland",
            "exclusive": right != RightKind.PROCESSING,
            "starts_on": date(2026, 1, 1),
            "ends_on": None,
        }
        for right in RightKind
    ]
    application = {"rights": claims, "source": "self_generated", "source_reference": None}
    rights.apply(
        uow,
        _member(uow, product.vendor_id),
        product.id,
        application,
        [Document("数据来源说明.pdf", io.BytesIO(basis_pdf(product.title_en)))],
        files=files,
        notice_seconds=notice_seconds,
        max_document_bytes=max_document_bytes,
    )


def on_notice(listed: Sequence[DataProduct]) -> list[int]:
    """The products left on public notice: the last listed, the same on every run."""
    return [p.id for p in listed[-ON_NOTICE:]]


def noticed_products(session: Session) -> list[int]:
    """The listed products the loader leaves on notice: certified only once their notice is
    over, which a later run of the seed may see and an earlier one did not."""
    return on_notice(_listed(session))


def _listed(session: Session) -> Sequence[DataProduct]:
    return session.scalars(
        select(DataProduct)
        .where(DataProduct.status == ListingStatus.LISTED)
        .order_by(DataProduct.id)
    ).all()


def load_demo_rights(
    uow: UnitOfWork,
    files: DataFiles,
    signer: CertificateSigner,
    *,
    notice_seconds: float,
    max_document_bytes: int,
) -> int:
    """Register the three rights of every listed demo product not yet registered, certify those
    whose notice is over, and object to one still on notice if none is objected to; how many
    registered."""
    session = uow.session
    registered = set(session.scalars(select(RightsRegistration.product_id)))
    listed = _listed(session)
    noticed_ids = on_notice(listed)
    todo = [p for p in listed if p.id not in registered]
    for product in todo:
        register(
            uow,
            product,
            files,
            notice_seconds=notice_seconds if product.id in noticed_ids else 0,
            max_document_bytes=max_document_bytes,
        )
    rights_notice.settle_due(uow, signer)  # also those an interrupted load left due
    noticed = session.execute(
        select(RightsRegistration.id, RightsRegistration.applicant_id)
        .where(
            RightsRegistration.product_id.in_(noticed_ids),
            RightsRegistration.status == RegistrationStatus.NOTICE,
        )
        .order_by(RightsRegistration.id)
        .limit(1)
    ).first()
    objected = session.scalar(
        select(RightsObjection.id)
        .join(RightsRegistration, RightsRegistration.id == RightsObjection.registration_id)
        .where(RightsRegistration.product_id.in_(noticed_ids))
        .limit(1)
    )
    if noticed is not None and objected is None:
        objector = next((p.vendor_id for p in listed if p.vendor_id != noticed.applicant_id), None)
        if objector is not None:
            rights_notice.object_to(
                uow,
                _member(uow, objector),
                noticed.id,
                OBJECTION,
                files=files,
                max_document_bytes=max_document_bytes,
            )
    return len(todo)
