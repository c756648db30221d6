"""Reading and changing organisations, their members and their verification."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from exchange.accounts.credit_code import normalise_credit_code
from exchange.accounts.models import Membership, MembershipRole, Organisation
from exchange.accounts.role_grants import allowed_roles, check_roles_allowed
from exchange.accounts.throttle import KNOWN_EMAIL, Throttle, refuse_if_waiting
from exchange.accounts.users import (
    ORGANISATION_FIELDS,
    account_problems,
    add_membership,
    credit_code_taken,
    email_taken,
    new_user,
    organisation_problems,
)
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_admin_or_operator, require_found, require_role
from exchange.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import SELF_SERVICE_ROLES, Role, VerificationStatus
from exchange.ledger.events import record_event

# Changing who the organisation legally is sends it back to verification.
IDENTITY_FIELDS = ("name_zh", "credit_code")


def can_see_private(actor: Actor, organisation_id: int) -> bool:
    """Members, operators and regulators see contacts, codes and members; others do not."""
    return actor.is_member(organisation_id) or actor.has_role(Role.OPERATOR, Role.REGULATOR)


class MemberView(TypedDict):
    """A member as the organisation's insiders see them."""

    user_id: int
    email: str
    display_name: str
    roles: list[Role]
    is_admin: bool


class OrganisationView(TypedDict):
    """An organisation: public fields for anyone; contacts, codes and members for insiders."""

    id: int
    name_zh: str
    name_en: str
    region: str
    dcmm_level: int | None
    verification_status: VerificationStatus
    credit_code: NotRequired[str]
    dcmm_certificate_no: NotRequired[str | None]
    contact_name: NotRequired[str]
    contact_phone: NotRequired[str]
    contact_email: NotRequired[str]
    verification_note: NotRequired[str | None]
    verified_at: NotRequired[datetime | None]
    created_at: NotRequired[datetime]
    members: NotRequired[list[MemberView]]
    grantable_roles: NotRequired[list[Role]]


class DirectoryEntry(OrganisationView):
    """An organisation in the supervisors' directory, with its code and size."""

    member_count: int


def _members(organisation: Organisation) -> list[MemberView]:
    return [
        MemberView(
            user_id=m.user_id,
            email=m.user.email,
            display_name=m.user.display_name,
            roles=sorted(m.role_set),
            is_admin=m.is_admin,
        )
        for m in organisation.memberships
    ]


def _view(organisation: Organisation, *, private: bool) -> OrganisationView:
    view = OrganisationView(
        id=organisation.id,
        name_zh=organisation.name_zh,
        name_en=organisation.name_en,
        region=organisation.region,
        dcmm_level=organisation.dcmm_level,
        verification_status=organisation.verification_status,
    )
    if private:
        view["credit_code"] = organisation.credit_code
        view["dcmm_certificate_no"] = organisation.dcmm_certificate_no
        view["contact_name"] = organisation.contact_name
        view["contact_phone"] = organisation.contact_phone
        view["contact_email"] = organisation.contact_email
        view["verification_note"] = organisation.verification_note
        view["verified_at"] = organisation.verified_at
        view["created_at"] = organisation.created_at
        view["members"] = _members(organisation)
        view["grantable_roles"] = sorted(allowed_roles(organisation))
    return view


def _load(uow: UnitOfWork, organisation_id: int) -> Organisation:
    return require_found(
        uow.session.scalar(
            select(Organisation)
            .where(Organisation.id == organisation_id)
            .options(
                selectinload(Organisation.memberships).selectinload(Membership.user),
                selectinload(Organisation.memberships).selectinload(Membership.roles),
            )
        )
    )


def get_organisation(uow: UnitOfWork, actor: Actor, organisation_id: int) -> OrganisationView:
    """An organisation as this actor may see it: public fields, or everything for insiders."""
    organisation = _load(uow, organisation_id)
    return _view(organisation, private=can_see_private(actor, organisation_id))


def update_organisation(
    uow: UnitOfWork, actor: Actor, organisation_id: int, changes: Mapping[str, Any]
) -> OrganisationView:
    """Let the organisation's administrator correct its details."""
    if not actor.is_admin_of(organisation_id):
        raise PermissionDenied()
    organisation = _load(uow, organisation_id)
    changes = {k: v for k, v in changes.items() if k in ORGANISATION_FIELDS}
    if "credit_code" in changes:
        changes["credit_code"] = normalise_credit_code(changes["credit_code"])
    # A new certificate number is checked against the level already on record.
    errors = organisation_problems({"dcmm_level": organisation.dcmm_level} | changes)
    if errors:
        raise ValidationFailed(errors=errors)
    if "credit_code" in changes and credit_code_taken(
        uow.session, changes["credit_code"], except_id=organisation_id
    ):
        raise Conflict(
            errors={
                "credit_code": [N_("An organisation with this credit code is already registered.")]
            }
        )
    changed = sorted(k for k, v in changes.items() if getattr(organisation, k) != v)
    for field in changed:
        setattr(organisation, field, changes[field])
    if set(changed) & set(IDENTITY_FIELDS) or (
        changed and organisation.verification_status == VerificationStatus.REJECTED
    ):
        organisation.verification_status = VerificationStatus.PENDING
    if changed:
        audit.record(
            uow.session,
            "organisation.updated",
            actor=actor,
            organisation_id=organisation_id,
            fields=changed,
        )
    uow.commit()
    return _view(organisation, private=True)


def list_organisations(
    uow: UnitOfWork, actor: Actor, *, status: VerificationStatus | None = None
) -> list[DirectoryEntry]:
    """Every organisation, for operators and regulators, optionally by verification status."""
    require_role(actor, Role.OPERATOR, Role.REGULATOR)
    query = select(Organisation).order_by(Organisation.created_at, Organisation.id)
    if status is not None:
        query = query.where(Organisation.verification_status == status)
    member_counts = dict(
        uow.session.execute(
            select(Membership.organisation_id, func.count()).group_by(Membership.organisation_id)
        ).all()
    )
    return [
        DirectoryEntry(
            **_view(org, private=False),
            credit_code=org.credit_code,
            created_at=org.created_at,
            member_count=member_counts.get(org.id, 0),
        )
        for org in uow.session.scalars(query)
    ]


def verification_queue(uow: UnitOfWork, actor: Actor) -> list[DirectoryEntry]:
    """Registrations awaiting an operator's decision, oldest first."""
    require_role(actor, Role.OPERATOR)
    return list_organisations(uow, actor, status=VerificationStatus.PENDING)


def decide_verification(
    uow: UnitOfWork,
    actor: Actor,
    organisation_id: int,
    decision: VerificationStatus,
    note: str | None = None,
) -> OrganisationView:
    """An operator verifies or rejects an organisation's registration, with a note for rejection."""
    require_role(actor, Role.OPERATOR)
    organisation = _load(uow, organisation_id)
    if decision not in (VerificationStatus.VERIFIED, VerificationStatus.REJECTED):
        raise ValidationFailed.on("decision", N_("Decide verified or rejected."))
    if decision == VerificationStatus.REJECTED and not (note or "").strip():
        raise ValidationFailed.on("note", N_("Say why the registration is rejected."))
    if organisation.verification_status != VerificationStatus.PENDING:
        raise Conflict(N_("This organisation is not awaiting verification."))
    organisation.verification_status = decision
    organisation.verification_note = note or None
    organisation.verified_at = utcnow()
    organisation.verified_by_id = actor.user_id
    audit.record(
        uow.session,
        "organisation.verification_decided",
        actor=actor,
        organisation_id=organisation_id,
        decision=decision.value,
        note=note or "",
    )
    # Who may trade is part of the trade record: the decision goes into the ledger with it.
    record_event(
        uow.session,
        "organisation.verification_decided",
        {
            "organisation_id": organisation.id,
            "credit_code": organisation.credit_code,
            "name_zh": organisation.name_zh,
            "decision": decision.value,
            "decided_by": actor.user_id,
        },
        parties=[organisation.id],
    )
    uow.commit()
    return _view(organisation, private=True)


def _check_grantable(actor: Actor, roles: Collection[Role]) -> None:
    if not set(roles) <= SELF_SERVICE_ROLES and not actor.has_role(Role.OPERATOR):
        raise PermissionDenied(
            N_("Only the exchange's operators grant regulator or operator roles.")
        )


def add_member(
    uow: UnitOfWork,
    actor: Actor,
    organisation_id: int,
    data: Mapping[str, Any],
    *,
    throttle: Throttle,
) -> MemberView:
    """An administrator creates a colleague's account inside the organisation.

    Saying an email is taken tells whether it is known, and anyone can register an organisation
    to become its administrator: so those answers are counted per administrator, with growing
    delays."""
    require_admin_or_operator(actor, organisation_id)
    roles = {Role(r) for r in data["roles"]}
    if not roles:
        raise ValidationFailed.on("roles", N_("Choose at least one role."))
    _check_grantable(actor, roles)
    organisation = _load(uow, organisation_id)
    check_roles_allowed(organisation, roles)
    errors = account_problems(data["email"], data["password"])
    if errors:
        raise ValidationFailed(errors=errors)
    refuse_if_waiting([throttle.wait(KNOWN_EMAIL, str(actor.user_id))])
    if email_taken(uow.session, data["email"]):
        throttle.spend(KNOWN_EMAIL, str(actor.user_id))
        raise Conflict(errors={"email": [N_("An account with this email already exists.")]})
    user = new_user(
        uow.session,
        email=data["email"],
        display_name=data["display_name"],
        password=data["password"],
    )
    add_membership(uow.session, user, organisation, roles, is_admin=data.get("is_admin", False))
    uow.session.flush()
    audit.record(
        uow.session,
        "membership.added",
        actor=actor,
        organisation_id=organisation_id,
        subject=user.email,
        roles=sorted(roles),
    )
    uow.commit()
    return MemberView(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        roles=sorted(roles),
        is_admin=bool(data.get("is_admin", False)),
    )


def set_member_roles(
    uow: UnitOfWork, actor: Actor, organisation_id: int, user_id: int, roles: Collection[Role]
) -> MemberView:
    """Change a member's roles; regulator and operator roles only by an operator."""
    require_admin_or_operator(actor, organisation_id)
    new_roles = {Role(r) for r in roles}
    membership = uow.session.scalar(
        select(Membership)
        .where(Membership.organisation_id == organisation_id, Membership.user_id == user_id)
        .options(selectinload(Membership.roles), selectinload(Membership.user))
    )
    if membership is None:
        raise NotFound(N_("That person is not a member of this organisation."))
    old_roles = membership.role_set
    _check_grantable(actor, new_roles ^ old_roles)
    if not new_roles:  # every member holds a role, so the organisation's kind stays known
        raise ValidationFailed.on("roles", N_("Choose at least one role."))
    check_roles_allowed(_load(uow, organisation_id), new_roles)
    if new_roles != old_roles:
        membership.roles = [row for row in membership.roles if row.role in new_roles] + [
            MembershipRole(role=r) for r in sorted(new_roles - old_roles)
        ]
        audit.record(
            uow.session,
            "membership.roles_changed",
            actor=actor,
            organisation_id=organisation_id,
            subject=membership.user.email,
            before=sorted(old_roles),
            after=sorted(new_roles),
        )
    uow.commit()
    return MemberView(
        user_id=user_id,
        email=membership.user.email,
        display_name=membership.user.display_name,
        roles=sorted(new_roles),
        is_admin=membership.is_admin,
    )
