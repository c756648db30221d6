"""Who is acting, read from the database: the user and their memberships, once per request."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from exchange.accounts.models import Membership, User
from exchange.kernel.actors import Actor, MembershipView


def load_actor(session: Session, user_id: int, client_address: str | None = None) -> Actor | None:
    """Build the actor for an active user, or None when the account is gone or disabled."""
    user = (
        session.scalars(
            select(User)
            .where(User.id == user_id)
            .options(  # one round trip: every request begins here
                joinedload(User.memberships).joinedload(Membership.organisation),
                joinedload(User.memberships).joinedload(Membership.roles),
            )
        )
        .unique()
        .first()
    )
    if user is None or not user.is_active:
        return None
    return Actor(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        locale=user.locale,
        memberships=tuple(
            MembershipView(
                organisation_id=m.organisation_id,
                name_zh=m.organisation.name_zh,
                name_en=m.organisation.name_en,
                verification_status=m.organisation.verification_status,
                roles=m.role_set,
                is_admin=m.is_admin,
            )
            for m in user.memberships
        ),
        client_address=client_address,
    )
