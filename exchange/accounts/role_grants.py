"""Which roles an organisation's members may hold: its kind decides, and no grant changes it.

An organisation is of one kind, fixed by the roles its members were first given: a market
participant (vendor and buyer roles, as every registration makes), a regulator, or the
exchange's operator. The supervisory roles are never granted inside a trading organisation,
so nobody ever supervises the market they trade in, and no regulator or operator trades."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from enum import StrEnum

from exchange.accounts.models import Organisation
from exchange.kernel.errors import ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.vocabulary import Role


class OrganisationKind(StrEnum):
    MARKET = "market"
    REGULATOR = "regulator"
    OPERATOR = "operator"


KIND_ROLES: dict[OrganisationKind, frozenset[Role]] = {
    OrganisationKind.MARKET: frozenset({Role.VENDOR, Role.BUYER}),
    OrganisationKind.REGULATOR: frozenset({Role.REGULATOR}),
    OrganisationKind.OPERATOR: frozenset({Role.OPERATOR}),
}
KIND_OF_ROLE = {role: kind for kind, roles in KIND_ROLES.items() for role in roles}

REFUSALS = {
    OrganisationKind.MARKET: N_(
        "This organisation trades on the exchange: its members may hold only the vendor and "
        "buyer roles. Regulator and operator roles are granted within their own organisations."
    ),
    OrganisationKind.REGULATOR: N_(
        "This is a regulator organisation: its members may hold only the regulator role."
    ),
    OrganisationKind.OPERATOR: N_(
        "This is the exchange's operating organisation: its members may hold only the operator "
        "role."
    ),
}
MIXED = N_("Trading, regulator and operator roles cannot be held in one organisation.")


def kind_of(roles: Iterable[Role]) -> OrganisationKind | None:
    """The one kind these roles belong to; None for no roles; refused when they mix kinds."""
    kinds = {KIND_OF_ROLE[Role(role)] for role in roles}
    if len(kinds) > 1:
        raise ValidationFailed.on("roles", MIXED)
    return next(iter(kinds), None)


def organisation_kind(organisation: Organisation) -> OrganisationKind | None:
    """The kind the organisation's members' roles make it (None before anyone holds one).

    An organisation given roles of two kinds before this rule counts as the first of them in
    the order market, operator, regulator: the others can then only be taken away."""
    held = {KIND_OF_ROLE[role] for m in organisation.memberships for role in m.role_set}
    return next((kind for kind in OrganisationKind if kind in held), None)


def allowed_roles(organisation: Organisation) -> frozenset[Role]:
    """The roles a member of the organisation may be given."""
    kind = organisation_kind(organisation)
    return KIND_ROLES[kind] if kind is not None else frozenset(Role)


def check_roles_allowed(organisation: Organisation, roles: Collection[Role]) -> None:
    """Refuse roles outside the organisation's kind, or of two kinds at once (422 on roles)."""
    wanted = kind_of(roles)
    kind = organisation_kind(organisation)
    if wanted is not None and kind is not None and wanted != kind:
        raise ValidationFailed.on("roles", REFUSALS[kind])
