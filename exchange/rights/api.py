"""The rights registry API: vendors register the three rights over a product, the application
stands on public notice, organisations object, operators decide, and anyone checks a
certificate against the exchange's key, its ledger and the chain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from exchange.catalog.extension import data_files
from exchange.http.api import BEARER, OPTIONAL_BEARER, Blueprint
from exchange.http.attachments import content_disposition
from exchange.http.auth import bearer_actor, optional_bearer_actor
from exchange.http.context import uow
from exchange.http.openapi import JSON_OBJECT, body_as
from exchange.http.problems import exchange_error_response
from exchange.http.uploads import accepts_upload
from exchange.kernel.actors import Actor
from exchange.kernel.errors import ExchangeError, PayloadTooLarge, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.ledger.extension import chain_or_none
from exchange.rights import certificates as rights_certificates
from exchange.rights import holdings as rights_holdings
from exchange.rights import notice as rights_notice
from exchange.rights import reading
from exchange.rights import registration as rights
from exchange.rights.certificates import check_certificate
from exchange.rights.documents import KINDS, Document
from exchange.rights.extension import rights_settings
from exchange.rights.schemas import (
    ApplicationFormSchema,
    CertificateKeySchema,
    CertificateVerificationSchema,
    DecisionSchema,
    MyRightsSchema,
    NoticeBoardSchema,
    ObjectionInputSchema,
    ObjectionOutcomeSchema,
    ProductRightsSchema,
    RightsCertificateSchema,
    RightsRegistrationSchema,
    RightsRegistrationSummarySchema,
)


class RightsBlueprint(Blueprint):
    """Objections come as JSON or, with evidence files, as a multipart form: OpenAPI shows the
    JSON body (a form's files have no place in one request body's schema)."""

    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "json_or_form": "application/json",
    }


blp = RightsBlueprint(
    "api_rights", __name__, url_prefix="/api/v1/rights", description="Data rights registry"
)
# The application's fields, as the registry's service names them in its refusals.
APPLICATION_FIELDS = frozenset(
    {"product_id", "rights", "source", "source_reference", "basis_grant_ids"}
)


# Applications


@blp.route("/registrations", methods=["POST"])
@blp.arguments(ApplicationFormSchema, location="form", content_type="multipart/form-data")
@blp.response(201, RightsRegistrationSchema)
@blp.doc(
    security=BEARER,
    description="multipart/form-data: the application as JSON in `application`, each basis "
    "document (PDF, PNG or JPEG) as a file in `documents`.",
)
@accepts_upload
def apply_for_rights(form: dict[str, Any]) -> Any:
    """Apply to register rights over a product (its vendor); the application goes on notice."""
    actor = bearer_actor()
    application = form["application"]
    setup = rights_settings()
    try:
        registration = rights.apply(
            uow(),
            actor,
            application["product_id"],
            application,
            posted_documents("documents", application["documents"]),
            files=data_files(),
            notice_seconds=setup.notice_seconds,
            max_document_bytes=setup.max_document_bytes,
        )
    except ExchangeError as error:
        # The service names the application's own fields; here they live inside `application`.
        error.errors = {
            f"application.{field}" if field in APPLICATION_FIELDS else field: messages
            for field, messages in error.errors.items()
        }
        raise
    return reading.registration_detail(uow(), actor, registration.id)


@blp.route("/registrations/<int:registration_id>", methods=["GET"])
@blp.response(200, RightsRegistrationSchema)
@blp.doc(security=OPTIONAL_BEARER)
def get_registration(registration_id: int) -> Any:
    """A registration: public, with reasons and documents for those involved."""
    return reading.registration_detail(uow(), optional_bearer_actor(), registration_id)


@blp.route("/registrations/<int:registration_id>/withdraw", methods=["POST"])
@blp.response(200, RightsRegistrationSchema)
@blp.doc(security=BEARER)
def withdraw(registration_id: int) -> Any:
    """Take back an application still on notice (the applicant's vendors)."""
    actor = bearer_actor()
    rights.withdraw(uow(), actor, registration_id)
    return reading.registration_detail(uow(), actor, registration_id)


@blp.route("/notices", methods=["GET"])
@blp.response(200, NoticeBoardSchema)
def notice_board() -> Any:
    """The public notice board: applications on notice and the latest certified."""
    return reading.notice_board(uow())


# Objections


@blp.route("/registrations/<int:registration_id>/objections", methods=["POST"])
@blp.arguments(ObjectionInputSchema, location="json_or_form")
@blp.response(201, ObjectionOutcomeSchema)
@blp.doc(
    security=BEARER,
    description="JSON, or multipart/form-data with `reasons` and evidence files in `evidence`.",
)
@accepts_upload
def object_to(data: dict[str, Any], registration_id: int) -> Any:
    """Object to an application while its notice stands (any organisation but the applicant)."""
    actor = bearer_actor()
    objection = rights_notice.object_to(
        uow(),
        actor,
        registration_id,
        data["reasons"],
        posted_documents("evidence"),
        files=data_files(),
        max_document_bytes=rights_settings().max_document_bytes,
    )
    return outcome(actor, objection.id, objection.status, registration_id)


@blp.route("/objections/<int:objection_id>/decision", methods=["POST"])
@blp.arguments(DecisionSchema)
@blp.response(200, ObjectionOutcomeSchema)
@blp.doc(security=BEARER)
def decide(data: dict[str, Any], objection_id: int) -> Any:
    """Uphold an objection (the registration is refused) or dismiss it (operators)."""
    actor = bearer_actor()
    objection = rights_notice.decide(
        uow(),
        actor,
        objection_id,
        data["decision"],
        data["reason"],
        signer=rights_settings().signer,
    )
    return outcome(actor, objection.id, objection.status, objection.registration_id)


@blp.route("/objections", methods=["GET"])
@blp.response(200, RightsRegistrationSummarySchema(many=True))
@blp.doc(security=BEARER)
def objection_queue() -> Any:
    """Registrations with objections awaiting a decision, oldest first (operators)."""
    return reading.objection_queue(uow(), bearer_actor())


# Rights held


@blp.route("/products/<int:product_id>", methods=["GET"])
@blp.response(200, ProductRightsSchema)
@blp.doc(security=OPTIONAL_BEARER)
def product_rights(product_id: int) -> Any:
    """A product's rights in force or pending, its registrations, and its licences."""
    return rights_holdings.product_rights(uow(), optional_bearer_actor(), product_id)


@blp.route("/mine", methods=["GET"])
@blp.response(200, MyRightsSchema)
@blp.doc(security=BEARER)
def my_rights() -> Any:
    """The caller's organisations' registrations, rights, licences and objections raised."""
    return rights_holdings.my_rights(uow(), bearer_actor())


# Certificates and documents


@blp.route("/certificates/<number>", methods=["GET"])
@blp.response(200, RightsCertificateSchema)
def get_certificate(number: str) -> Any:
    """A certificate as signed, with its signature and the ledger entries behind it."""
    return reading.certificate_detail(uow(), number)


@blp.route("/certificates/<number>/verification", methods=["GET"])
@blp.response(200, CertificateVerificationSchema)
def verify(number: str) -> Any:
    """Check a certificate: signature, registration hash, ledger entry, proof and anchor."""
    return check_certificate(uow(), number, rights_settings().signer.public_key, chain_or_none())


@blp.route("/certificates/<number>/proof", methods=["GET"])
@blp.response(200)
@body_as(blp, ["application/json"], "A proof bundle (format ganshu-ledger-proof/1).", JSON_OBJECT)
def certificate_proof(number: str) -> Any:
    """The proof of the ledger entry behind a certificate, for `python -m contracts.verify`."""
    return jsonify(rights_certificates.certificate_proof(uow(), number))


@blp.route("/certificate-key", methods=["GET"])
@blp.response(200, CertificateKeySchema)
def certificate_key() -> Any:
    """The exchange's public key, to check certificates' signatures without asking it."""
    signer = rights_settings().signer
    return {"algorithm": "Ed25519", "key_id": signer.key_id, "public_key": signer.public_key.hex()}


@blp.route("/documents/<int:document_id>", methods=["GET"])
@blp.response(200)
@body_as(blp, [kind for kind, _ in KINDS.values()], "The document's bytes, as its content type.")
@blp.doc(security=OPTIONAL_BEARER)
def download_document(document_id: int) -> Response:
    """A basis document or evidence, for the applicant, the objector and the supervisors."""
    info, chunks = reading.open_document(uow(), optional_bearer_actor(), document_id, data_files())
    response = Response(chunks, mimetype=info["content_type"])
    response.content_length = info["size_bytes"]
    response.headers["Content-Disposition"] = content_disposition(info["file_name"])
    return response


@blp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge) -> Any:
    """A body far past the limit is refused before the view runs: say so as a problem."""
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    message = N_("The documents sent together are larger than the %(limit)s MB allowed.")
    return exchange_error_response(PayloadTooLarge(message, limit=f"{limit / 2**20:g}"))


# Helpers


def posted_documents(field: str, stated: Sequence[Mapping[str, str]] = ()) -> list[Document]:
    """The files posted under `field`, each with the SHA-256 its sender stated for its name."""
    posted = [f for f in request.files.getlist(field) if f.filename]
    hashes = {item["name"]: item["sha256"] for item in stated}
    missing = sorted(hashes.keys() - {f.filename for f in posted})
    if missing:
        raise ValidationFailed.on(
            "application.documents",
            N_("A SHA-256 is stated for %(name)s, but no file of that name was sent."),
            name=missing[0],
        )
    return [Document(f.filename or "", f.stream, hashes.get(f.filename or "")) for f in posted]


def outcome(actor: Actor, objection_id: int, status: Any, registration_id: int) -> dict[str, Any]:
    """An objection's id and status with the registration as it now stands."""
    registration = reading.registration_detail(uow(), actor, registration_id)
    return {"objection_id": objection_id, "status": status, "registration": registration}
