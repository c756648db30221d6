"""The rights registry's pages: registering rights, the public notice, objections and decisions,
certificates anyone can print and verify, and an organisation's rights."""

from __future__ import annotations

from typing import Any

import segno
from flask import Blueprint, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from exchange.catalog import product_page
from exchange.catalog.extension import data_files
from exchange.catalog.forms import ConfirmSchema
from exchange.http.attachments import content_disposition
from exchange.http.context import page_actor, uow, web_actor
from exchange.http.forms import submit_form
from exchange.http.uploads import accepts_upload
from exchange.kernel.errors import PermissionDenied
from exchange.kernel.i18n import N_
from exchange.ledger.extension import chain_or_none
from exchange.rights import certificates as rights_certificates
from exchange.rights import holdings as rights_holdings
from exchange.rights import notice as rights_notice
from exchange.rights import reading
from exchange.rights import registration as rights
from exchange.rights.certificates import check_certificate
from exchange.rights.domain import (
    OBJECTION_STATUS_LABELS,
    RECORD_STATUS_LABELS,
    REGISTRATION_STATUS_LABELS,
    RIGHT_KIND_LABELS,
    RIGHT_KIND_SHORT_LABELS,
    RIGHT_SOURCE_LABELS,
)
from exchange.rights.extension import rights_settings
from exchange.rights.forms import (
    DecisionFormSchema,
    ObjectionFormSchema,
    RegistrationFormSchema,
    posted_documents,
    registration_defaults,
)

# What the registry's templates read: its closed sets' labels, by name.
TEMPLATE_GLOBALS: dict[str, Any] = {
    "right_kind_labels": RIGHT_KIND_LABELS,
    "right_kind_short_labels": RIGHT_KIND_SHORT_LABELS,
    "right_source_labels": RIGHT_SOURCE_LABELS,
    "registration_status_labels": REGISTRATION_STATUS_LABELS,
    "record_status_labels": RECORD_STATUS_LABELS,
    "objection_status_labels": OBJECTION_STATUS_LABELS,
}
bp = Blueprint("rights", __name__)
NEW = "rights/new_registration.html"
REGISTRATION = "rights/registration.html"
# What each step of a certificate's verification checks, for its report.
CHECK_LABELS = {
    "signature": N_("The exchange's signature"),
    "registration": N_("The registration as stored"),
    "ledger_entry": N_("The ledger entry carrying its hash"),
    "leaf": N_("The entry's hash in the ledger"),
    "checkpoint": N_("A checkpoint covering the entry"),
    "inclusion": N_("The entry's inclusion proof"),
    "consistency": N_("The ledger's consistency since the checkpoint"),
    "anchor": N_("The checkpoint anchored on chain"),
    "transaction": N_("The anchoring transaction"),
    "chain": N_("The chain"),
    "contract": N_("The anchor contract"),
    "root": N_("The root held on chain"),
}
VERDICT_LABELS = {
    "verified": N_("Verified"),
    "pending": N_("Pending anchoring"),
    "failed": N_("Verification failed"),
}


def _registration_page(registration_id: int, active_form: str = "") -> dict[str, Any]:
    detail = reading.registration_detail(uow(), page_actor(), registration_id)
    return {"r": detail, "active_form": active_form}


def _to_registration(registration_id: int, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("rights.registration", registration_id=registration_id))


def _applicable(product_id: int) -> dict[str, Any]:
    product = product_page.get_product(uow(), web_actor(), product_id)
    if not product["can_edit"]:
        raise PermissionDenied()
    return {"product": product}


@bp.get("/products/<int:product_id>/rights/new")
@login_required
def new_registration(product_id: int) -> str:
    """The form to register rights over one of the vendor's products."""
    context = _applicable(product_id)
    return render_template(NEW, values=registration_defaults(), errors={}, **context)


@bp.post("/products/<int:product_id>/rights/new")
@login_required
@accepts_upload
def register(product_id: int) -> Any:
    """Put the application on public notice; errors stay in place with the input kept."""

    def done(application: dict[str, Any]) -> Response:
        setup = rights_settings()
        registration = rights.apply(
            uow(),
            web_actor(),
            product_id,
            application,
            posted_documents("documents"),
            files=data_files(),
            notice_seconds=setup.notice_seconds,
            max_document_bytes=setup.max_document_bytes,
        )
        message = gettext("The application is on public notice.")
        return _to_registration(registration.id, message)

    return submit_form(RegistrationFormSchema(), NEW, done, **_applicable(product_id))


@bp.get("/rights/notices")
def notices() -> str:
    """The public notice board: applications on notice and the latest certified."""
    return render_template("rights/notices.html", board=reading.notice_board(uow()))


@bp.get("/rights/registrations/<int:registration_id>")
def registration(registration_id: int) -> str:
    """A registration as the public notice shows it, with what this visitor may do."""
    context = _registration_page(registration_id)
    return render_template(REGISTRATION, values={}, errors={}, **context)


@bp.post("/rights/registrations/<int:registration_id>/objections")
@login_required
@accepts_upload
def object_to(registration_id: int) -> Any:
    """Object to a registration on notice, with reasons and optional evidence."""

    def done(data: dict[str, Any]) -> Response:
        rights_notice.object_to(
            uow(),
            web_actor(),
            registration_id,
            data["reasons"],
            posted_documents("evidence"),
            files=data_files(),
            max_document_bytes=rights_settings().max_document_bytes,
        )
        return _to_registration(registration_id, gettext("Your objection is recorded."))

    context = _registration_page(registration_id, "object")
    return submit_form(ObjectionFormSchema(), REGISTRATION, done, **context)


@bp.post("/rights/registrations/<int:registration_id>/withdraw")
@login_required
def withdraw(registration_id: int) -> Any:
    """The applicant withdraws an application still on notice."""

    def done(data: dict[str, Any]) -> Response:
        rights.withdraw(uow(), web_actor(), registration_id)
        return _to_registration(registration_id, gettext("The application is withdrawn."))

    context = _registration_page(registration_id, "withdraw")
    return submit_form(ConfirmSchema(), REGISTRATION, done, **context)


@bp.post("/rights/registrations/<int:registration_id>/objections/<int:objection_id>/decision")
@login_required
def decide(registration_id: int, objection_id: int) -> Any:
    """An operator upholds or dismisses one objection."""

    def done(data: dict[str, Any]) -> Response:
        signer = rights_settings().signer
        actor = web_actor()
        rights_notice.decide(
            uow(), actor, objection_id, data["decision"], data["reason"], signer=signer
        )
        return _to_registration(registration_id, gettext("The decision is recorded."))

    context = _registration_page(registration_id, f"decide-{objection_id}")
    return submit_form(DecisionFormSchema(), REGISTRATION, done, **context)


@bp.get("/rights/objections")
@login_required
def objections() -> str:
    """Operators: registrations with objections awaiting a decision."""
    queue = reading.objection_queue(uow(), web_actor())
    return render_template("rights/objections.html", queue=queue)


@bp.get("/rights/mine")
@login_required
def mine() -> str:
    """The organisation's registrations, rights held, licences and objections."""
    return render_template("rights/mine.html", mine=rights_holdings.my_rights(uow(), web_actor()))


@bp.get("/rights/certificates/<number>")
def certificate(number: str) -> str:
    """A certificate as signed, printable, with a QR code to its verification page."""
    detail = reading.certificate_detail(uow(), number)
    verify_url = url_for("rights.verify", number=number, _external=True)
    qr = Markup(segno.make(verify_url, error="m").svg_inline(scale=4, title=verify_url))
    return render_template("rights/certificate.html", c=detail, verify_url=verify_url, qr=qr)


@bp.get("/rights/certificates/<number>/proof.json")
def certificate_proof(number: str) -> Response:
    """The certificate's ledger proof as a file, to check with `python -m contracts.verify`."""
    bundle = rights_certificates.certificate_proof(uow(), number)
    response = jsonify(bundle)
    response.headers["Content-Disposition"] = content_disposition(f"{number}-proof.json")
    return response


@bp.get("/rights/certificates/<number>/verify")
def verify(number: str) -> str:
    """Anyone checks a certificate: signature, registration, ledger entry and anchor."""
    public_key = rights_settings().signer.public_key
    report = check_certificate(uow(), number, public_key, chain_or_none())
    return render_template(
        "rights/verify.html",
        report=report,
        c=reading.certificate_detail(uow(), number),
        public_key=public_key.hex(),
        key_id=rights_settings().signer.key_id,
        check_labels=CHECK_LABELS,
        verdict_labels=VERDICT_LABELS,
    )


@bp.get("/rights/documents/<int:document_id>")
def document(document_id: int) -> Response:
    """A basis document or evidence for those who may read it (404 for anyone else)."""
    info, chunks = reading.open_document(uow(), page_actor(), document_id, data_files())
    response = Response(chunks, mimetype=info["content_type"])
    response.headers["Content-Disposition"] = content_disposition(info["file_name"])
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
