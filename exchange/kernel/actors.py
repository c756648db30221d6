"""Who is acting: a user with their memberships, and the checks every service makes on them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from exchange.kernel.errors import NotFound, PermissionDenied
from exchange.kernel.vocabulary import Role, VerificationStatus

T = TypeVar("T")


@dataclass(frozen=True)
class MembershipView:
    organisation_id: int
    name_zh: str
    name_en: str
    verification_status: VerificationStatus
    roles: frozenset[Role]
    is_admin: bool


@dataclass(frozen=True)
class Actor:
    user_id: int
    email: str
    display_name: str
    locale: str | None
    memberships: tuple[MembershipView, ...]
    client_address: str | None = None

    @property
    def roles(self) -> frozenset[Role]:
        """Every role the user holds in any organisation."""
        return frozenset().union(*(m.roles for m in self.memberships))

    def has_role(self, *roles: Role) -> bool:
        """True when the user holds any of these roles somewhere."""
        return bool(self.roles.intersection(roles))

    def membership(self, organisation_id: int) -> MembershipView | None:
        """The user's membership of one organisation, if any."""
        return next((m for m in self.memberships if m.organisation_id == organisation_id), None)

    def is_member(self, organisation_id: int) -> bool:
        """True when the user belongs to the organisation."""
        return self.membership(organisation_id) is not None

    def has_role_in(self, organisation_id: int, role: Role) -> bool:
        """True when the user holds the role in that organisation: a trade step acts for one
        side, and a role held in another organisation does not count there."""
        membership = self.membership(organisation_id)
        return membership is not None and role in membership.roles

    def is_admin_of(self, organisation_id: int) -> bool:
        """True when the user administers the organisation's members and details."""
        membership = self.membership(organisation_id)
        return membership is not None and membership.is_admin


def require_role(actor: Actor, *roles: Role) -> None:
    """Refuse unless the actor holds one of the roles."""
    if not actor.has_role(*roles):
        raise PermissionDenied()


def require_admin_or_operator(actor: Actor, organisation_id: int) -> None:
    """Refuse unless the actor administers the organisation or operates the exchange."""
    if not (actor.is_admin_of(organisation_id) or actor.has_role(Role.OPERATOR)):
        raise PermissionDenied()


def require_found(value: T | None) -> T:
    """Turn a missing row into a 404."""
    if value is None:
        raise NotFound()
    return value
