"""Registering organisations with their first user, signing in, and keeping a profile."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exchange.accounts.actors import load_actor
from exchange.accounts.credit_code import credit_code_problem, normalise_credit_code
from exchange.accounts.models import Membership, MembershipRole, Organisation, User
from exchange.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from exchange.accounts.role_grants import check_roles_allowed
from exchange.accounts.sessions import end_other_sessions, revoke_all_tokens
from exchange.accounts.throttle import (
    PASSWORD_CHECK,
    REGISTRATION,
    SIGN_IN,
    SIGN_IN_ACCOUNT,
    SIGN_IN_ADDRESS,
    Throttle,
    refuse_if_waiting,
)
from exchange.kernel import audit
from exchange.kernel.actors import Actor
from exchange.kernel.errors import (
    Conflict,
    NotAuthenticated,
    ValidationFailed,
)
from exchange.kernel.i18n import N_
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import LANGUAGES, REGIONS, SELF_SERVICE_ROLES, Role

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
class Registered:
    organisation_id: int
    user_id: int


# What every registration hears, whether or not its email was already known.
REGISTRATION_RECEIVED = N_(
    "Thank you. Unless the email already had an account, the organisation is registered and "
    "awaits verification by the exchange: sign in with the email and password you gave."
)


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
    """Make the user a member of the organisation with these roles, if its kind allows them."""
    check_roles_allowed(organisation, roles)
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
    throttle: Throttle,
    client_address: str | None = None,
    locale: str | None = None,
) -> Registered | None:
    """Create an organisation awaiting verification and its first user, its administrator.

    An email that already has an account creates nothing and returns None, after the same work
    (a password hash) as a new one, so callers can answer both alike; registrations are counted
    per address behind growing delays.
    """
    session = uow.session
    code = normalise_credit_code(data["credit_code"])
    roles = set(data["roles"])
    errors = organisation_problems(data) | account_problems(data["email"], data["password"])
    if not roles or not roles <= SELF_SERVICE_ROLES:
        errors["roles"] = [N_("Choose vendor, buyer or both.")]
    if errors:
        raise ValidationFailed(errors=errors)
    refuse_if_waiting([throttle.spend(REGISTRATION, client_address or "unknown")])
    if credit_code_taken(session, code):
        raise Conflict(
            errors={
                "credit_code": [N_("An organisation with this credit code is already registered.")]
            }
        )
    if email_taken(session, data["email"]):
        hash_password(data["password"])  # the same time as a new account takes
        audit.record(
            session,
            "registration.email_known",
            subject=data["email"].lower(),
            client_address=client_address,
        )
        uow.commit()
        return None

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
    throttle: Throttle,
    client_address: str | None = None,
    known_device: bool = False,
) -> Actor:
    """Check credentials behind growing delays, and audit the outcome.

    Attempts are counted per account from one address (a stranger elsewhere cannot lock the
    owner out), per account from any address the account has not signed in from before (a
    distributed guess), and failures per address (spraying many accounts). A success forgives
    the account's counts; the address's failures stand.
    """
    session = uow.session
    email = email.strip().lower()
    address = client_address or "unknown"
    wait = (
        throttle.wait(SIGN_IN_ADDRESS, address)
        or throttle.spend(SIGN_IN, f"{email} {address}")
        or (0 if known_device else throttle.spend(SIGN_IN_ACCOUNT, email))
    )
    if wait:
        audit.record(
            session, "auth.sign_in_throttled", subject=email, client_address=client_address
        )
        uow.commit()
        refuse_if_waiting([wait])
    user = session.scalar(select(User).where(User.email == email))
    if not verify_password(user.password_hash if user else None, password) or not (
        user and user.is_active
    ):
        throttle.spend(SIGN_IN_ADDRESS, address)
        audit.record(
            session,
            "auth.sign_in_failed",
            actor_id=user.id if user else None,
            subject=email,
            client_address=client_address,
        )
        uow.commit()
        raise NotAuthenticated(N_("The email or password is wrong."))
    throttle.forgive(SIGN_IN, f"{email} {address}")
    throttle.forgive(SIGN_IN_ACCOUNT, email)
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


def update_profile(
    uow: UnitOfWork,
    actor: Actor,
    changes: Mapping[str, Any],
    *,
    throttle: Throttle | None = None,
    current_session: str | None = None,
) -> Actor:
    """Change the actor's own display name, language or password; return the actor as now.

    A new password ends every other web session of the user (all of them when the change comes
    through the API) and revokes all the user's API tokens. Checks of the current password are
    throttled like sign-ins.
    """
    session = uow.session
    user = session.get(User, actor.user_id)
    assert user is not None
    if "locale" in changes and changes["locale"] not in LANGUAGES:
        raise ValidationFailed.on("locale", N_("Choose Chinese or English."))
    if "new_password" in changes:
        if throttle is None:
            raise ValueError("checking the current password needs a throttle")
        refuse_if_waiting([throttle.spend(PASSWORD_CHECK, str(user.id))])
        errors: dict[str, list[str]] = {}
        if verify_password(user.password_hash, changes.get("current_password", "")):
            throttle.forgive(PASSWORD_CHECK, str(user.id))
        else:
            errors["current_password"] = [N_("The current password is wrong.")]
        problem = password_problem(changes["new_password"], email=user.email)
        if problem:
            errors["new_password"] = [problem]
        if errors:
            raise ValidationFailed(errors=errors)
        user.password_hash = hash_password(changes["new_password"])
        ended = end_other_sessions(uow, user.id, current_session)
        revoked = revoke_all_tokens(uow, user.id)
        audit.record(
            session,
            "auth.password_changed",
            actor=actor,
            subject=user.email,
            sessions_ended=ended,
            tokens_revoked=revoked,
        )
    if "display_name" in changes:
        user.display_name = changes["display_name"]
    if "locale" in changes:
        user.locale = changes["locale"]
    uow.commit()
    updated = load_actor(session, user.id, actor.client_address)
    assert updated is not None
    return updated
