"""Registering organisations with their first user, signing in, and keeping a profile."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exchange.domain.credit_code import credit_code_problem, normalise_credit_code
from exchange.domain.errors import (
    Conflict,
    NotAuthenticated,
    TooManyAttempts,
    ValidationFailed,
)
from exchange.domain.i18n import N_
from exchange.domain.vocabulary import LANGUAGES, REGIONS, SELF_SERVICE_ROLES, Role
from exchange.models import Membership, MembershipRole, Organisation, User
from exchange.models.base import utcnow
from exchange.services import audit
from exchange.services.actors import Actor, load_actor
from exchange.services.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from exchange.services.unit_of_work import UnitOfWork

CREDIT_CODE_MESSAGES = {
    "length": N_("A unified social credit code has 18 characters."),
    "characters": N_("Use only digits and the letters A–Y other than I, O, S, V and Z."),
    "division": N_("Characters 3 to 8 must be the administrative division code (digits)."),
    "check": N_("The check character (the 18th) does not match; check the code for typos."),
}

ORGANISATION_FIELDS = (
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


@dataclass(frozen=True)
class SignInPolicy:
    """How many failed sign-ins are tolerated, and over what window."""

    max_failures: int = 5
    max_failures_per_address: int = 30
    window_seconds: int = 900


DEFAULT_SIGN_IN_POLICY = SignInPolicy()


@dataclass(frozen=True)
class Registered:
    organisation_id: int
    user_id: int


def organisation_problems(details: Mapping[str, Any]) -> dict[str, list[str]]:
    """Field errors in organisation details that need more than their shape to see."""
    errors: dict[str, list[str]] = {}
    if "credit_code" in details:
        problem = credit_code_problem(normalise_credit_code(details["credit_code"]))
        if problem:
            errors["credit_code"] = [CREDIT_CODE_MESSAGES[problem]]
    if "region" in details and details["region"] not in REGIONS:
        errors["region"] = [N_("Choose one of the listed regions.")]
    if details.get("dcmm_certificate_no") and not details.get("dcmm_level"):
        errors["dcmm_level"] = [N_("Give the DCMM level the certificate states.")]
    return errors


def credit_code_taken(session: Session, code: str, *, except_id: int | None = None) -> bool:
    """True when another organisation already registered this credit code."""
    query = select(Organisation.id).where(Organisation.credit_code == code)
    if except_id is not None:
        query = query.where(Organisation.id != except_id)
    return session.scalar(query) is not None


def email_taken(session: Session, email: str) -> bool:
    """True when an account already uses this email, whatever its case."""
    return (
        session.scalar(select(User.id).where(func.lower(User.email) == email.lower())) is not None
    )


def new_user(
    session: Session, *, email: str, display_name: str, password: str, locale: str | None = None
) -> User:
    """Add a user whose email and password have already been checked."""
    user = User(
        email=email.lower(),
        display_name=display_name,
        password_hash=hash_password(password),
        locale=locale,
    )
    session.add(user)
    return user


def add_membership(
    session: Session,
    user: User,
    organisation: Organisation,
    roles: Collection[Role],
    *,
    is_admin: bool = False,
) -> Membership:
    """Make the user a member of the organisation with these roles."""
    membership = Membership(user=user, organisation=organisation, is_admin=is_admin)
    membership.roles = [MembershipRole(role=Role(role)) for role in sorted(set(roles))]
    session.add(membership)
    return membership


def account_problems(email: str, password: str) -> dict[str, list[str]]:
    """Field errors for a new account's email and password."""
    errors: dict[str, list[str]] = {}
    problem = password_problem(password, email=email)
    if problem:
        errors["password"] = [problem]
    return errors


def register_organisation(
    uow: UnitOfWork,
    data: Mapping[str, Any],
    *,
    client_address: str | None = None,
    locale: str | None = None,
) -> Registered:
    """Create an organisation awaiting verification and its first user, its administrator."""
    session = uow.session
    code = normalise_credit_code(data["credit_code"])
    roles = set(data["roles"])
    errors = organisation_problems(data) | account_problems(data["email"], data["password"])
    if not roles or not roles <= SELF_SERVICE_ROLES:
        errors["roles"] = [N_("Choose vendor, buyer or both.")]
    if errors:
        raise ValidationFailed(errors=errors)
    conflicts: dict[str, list[str]] = {}
    if credit_code_taken(session, code):
        conflicts["credit_code"] = [
            N_("An organisation with this credit code is already registered.")
        ]
    if email_taken(session, data["email"]):
        conflicts["email"] = [N_("An account with this email already exists.")]
    if conflicts:
        raise Conflict(errors=conflicts)

    organisation = Organisation(**{f: data.get(f) for f in ORGANISATION_FIELDS})
    organisation.credit_code = code
    user = new_user(
        session,
        email=data["email"],
        display_name=data["display_name"],
        password=data["password"],
        locale=locale,
    )
    session.add(organisation)
    add_membership(session, user, organisation, roles, is_admin=True)
    session.flush()
    audit.record(
        session,
        "organisation.registered",
        actor_id=user.id,
        organisation_id=organisation.id,
        subject=user.email,
        client_address=client_address,
        roles=sorted(roles),
    )
    uow.commit()
    return Registered(organisation_id=organisation.id, user_id=user.id)


def sign_in(
    uow: UnitOfWork,
    email: str,
    password: str,
    *,
    client_address: str | None = None,
    policy: SignInPolicy = DEFAULT_SIGN_IN_POLICY,
) -> Actor:
    """Check credentials, refusing for a while after repeated failures, and audit the outcome."""
    session = uow.session
    email = email.strip().lower()
    window_start = utcnow() - timedelta(seconds=policy.window_seconds)
    # Failures before the last successful sign-in are forgiven.
    last_success = audit.last_at(session, "auth.signed_in", subject=email)
    since = max(window_start, last_success) if last_success else window_start
    failures = audit.count_recent(session, "auth.sign_in_failed", since, subject=email)
    from_address = (
        audit.count_recent(
            session, "auth.sign_in_failed", window_start, client_address=client_address
        )
        if client_address
        else 0
    )
    if failures >= policy.max_failures or from_address >= policy.max_failures_per_address:
        audit.record(
            session, "auth.sign_in_throttled", subject=email, client_address=client_address
        )
        uow.commit()
        raise TooManyAttempts(
            N_("Too many failed sign-ins; try again in %(minutes)s minutes."),
            retry_after=policy.window_seconds,
            minutes=policy.window_seconds // 60,
        )
    user = session.scalar(select(User).where(User.email == email))
    if not verify_password(user.password_hash if user else None, password) or not (
        user and user.is_active
    ):
        audit.record(
            session,
            "auth.sign_in_failed",
            actor_id=user.id if user else None,
            subject=email,
            client_address=client_address,
        )
        uow.commit()
        raise NotAuthenticated(N_("The email or password is wrong."))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(
        session, "auth.signed_in", actor_id=user.id, subject=email, client_address=client_address
    )
    uow.commit()
    actor = load_actor(session, user.id, client_address)
    assert actor is not None
    return actor


def record_sign_out(uow: UnitOfWork, actor: Actor) -> None:
    """Note in the audit log that a web session ended."""
    audit.record(uow.session, "auth.signed_out", actor=actor, subject=actor.email)
    uow.commit()


def update_profile(uow: UnitOfWork, actor: Actor, changes: Mapping[str, Any]) -> Actor:
    """Change the actor's own display name, language or password; return the actor as now."""
    session = uow.session
    user = session.get(User, actor.user_id)
    assert user is not None
    if "locale" in changes and changes["locale"] not in LANGUAGES:
        raise ValidationFailed.on("locale", N_("Choose Chinese or English."))
    if "new_password" in changes:
        errors: dict[str, list[str]] = {}
        if not verify_password(user.password_hash, changes.get("current_password", "")):
            errors["current_password"] = [N_("The current password is wrong.")]
        problem = password_problem(changes["new_password"], email=user.email)
        if problem:
            errors["new_password"] = [problem]
        if errors:
            raise ValidationFailed(errors=errors)
        user.password_hash = hash_password(changes["new_password"])
        audit.record(session, "auth.password_changed", actor=actor, subject=user.email)
    if "display_name" in changes:
        user.display_name = changes["display_name"]
    if "locale" in changes:
        user.locale = changes["locale"]
    uow.commit()
    updated = load_actor(session, user.id, actor.client_address)
    assert updated is not None
    return updated
