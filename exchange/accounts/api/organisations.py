"""Organisations, their members, their verification, and the audit log."""

from __future__ import annotations

from typing import Any

from exchange.accounts import organisations
from exchange.accounts.schemas import (
    AuditEventSchema,
    AuditQuerySchema,
    MemberSchema,
    NewMemberSchema,
    OrganisationDetailsSchema,
    OrganisationQuerySchema,
    OrganisationSchema,
    RolesSchema,
    VerificationDecisionSchema,
)
from exchange.http.api import BEARER, Blueprint
from exchange.http.auth import bearer_actor, request_throttle
from exchange.http.context import uow
from exchange.kernel import audit

blp = Blueprint(
    "api_organisations", __name__, url_prefix="/api/v1", description="Organisations and members"
)


@blp.route("/organisations", methods=["GET"])
@blp.arguments(OrganisationQuerySchema, location="query")
@blp.response(200, OrganisationSchema(many=True))
@blp.doc(security=BEARER)
def list_organisations(query: dict[str, Any]) -> Any:
    """Every organisation (operators and regulators), optionally by verification status."""
    return organisations.list_organisations(uow(), bearer_actor(), status=query["status"])


@blp.route("/organisations/<int:organisation_id>", methods=["GET"])
@blp.response(200, OrganisationSchema)
@blp.doc(security=BEARER)
def get_organisation(organisation_id: int) -> Any:
    """An organisation: public fields for all, everything for its members and supervisors."""
    return organisations.get_organisation(uow(), bearer_actor(), organisation_id)


@blp.route("/organisations/<int:organisation_id>", methods=["PATCH"])
@blp.arguments(OrganisationDetailsSchema(partial=True))
@blp.response(200, OrganisationSchema)
@blp.doc(security=BEARER)
def update_organisation(changes: dict[str, Any], organisation_id: int) -> Any:
    """Correct an organisation's details (its administrators only)."""
    return organisations.update_organisation(uow(), bearer_actor(), organisation_id, changes)


@blp.route("/organisations/<int:organisation_id>/members", methods=["POST"])
@blp.arguments(NewMemberSchema)
@blp.response(201, MemberSchema)
@blp.alt_response(429, description="Too many emails named that had accounts; see Retry-After.")
@blp.doc(security=BEARER)
def add_member(data: dict[str, Any], organisation_id: int) -> Any:
    """Create a colleague's account in the organisation."""
    return organisations.add_member(
        uow(), bearer_actor(), organisation_id, data, throttle=request_throttle()
    )


@blp.route("/organisations/<int:organisation_id>/members/<int:user_id>/roles", methods=["PUT"])
@blp.arguments(RolesSchema)
@blp.response(200, MemberSchema)
@blp.doc(security=BEARER)
def set_roles(data: dict[str, Any], organisation_id: int, user_id: int) -> Any:
    """Replace a member's roles."""
    return organisations.set_member_roles(
        uow(), bearer_actor(), organisation_id, user_id, data["roles"]
    )


@blp.route("/organisations/<int:organisation_id>/verification", methods=["POST"])
@blp.arguments(VerificationDecisionSchema)
@blp.response(200, OrganisationSchema)
@blp.doc(security=BEARER)
def decide_verification(data: dict[str, Any], organisation_id: int) -> Any:
    """Verify or reject a registration (operators only)."""
    return organisations.decide_verification(
        uow(), bearer_actor(), organisation_id, data["decision"], data.get("note")
    )


@blp.route("/audit-events", methods=["GET"])
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditEventSchema(many=True))
@blp.doc(security=BEARER)
def list_audit_events(query: dict[str, Any]) -> Any:
    """The audit log, newest first (operators and regulators)."""
    return audit.list_events(uow(), bearer_actor(), **query)
