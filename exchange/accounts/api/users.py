"""Registration, bearer tokens and the caller's own profile."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext

from exchange.accounts import tokens
from exchange.accounts import users as accounts
from exchange.accounts.schemas import (
    IssuedTokenSchema,
    MeSchema,
    ProfileUpdateSchema,
    RegisteredSchema,
    RegistrationSchema,
    TokenRequestSchema,
    TokenSchema,
)
from exchange.http.api import BEARER, Blueprint
from exchange.http.auth import bearer_actor, request_throttle
from exchange.http.context import client_address, uow

blp = Blueprint("api_accounts", __name__, url_prefix="/api/v1", description="Accounts and tokens")


@blp.route("/registrations", methods=["POST"])
@blp.arguments(RegistrationSchema)
@blp.response(202, RegisteredSchema)
@blp.alt_response(429, description="Too many registrations from this address; see Retry-After.")
def register(data: dict[str, Any]) -> Any:
    """Register an organisation (awaiting verification) and its first user, then sign in.

    The answer is the same whether or not the email already had an account (which then gets
    nothing new), so it tells no one which addresses are known."""
    accounts.register_organisation(
        uow(), data, throttle=request_throttle(), client_address=client_address()
    )
    return {"detail": gettext(accounts.REGISTRATION_RECEIVED)}


@blp.route("/auth/tokens", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(201, IssuedTokenSchema)
@blp.alt_response(401, description="The email or password is wrong.")
@blp.alt_response(429, description="Too many attempts; see Retry-After.")
def create_token(data: dict[str, Any]) -> Any:
    """Exchange an email and password for a bearer token; the token is shown only once.

    Attempts are throttled like the sign-in form, with growing delays."""
    max_hours = current_app.config["TOKEN_LIFETIME_HOURS"]
    return tokens.issue_token(
        uow(),
        data["email"],
        data["password"],
        name=data.get("name") or "api",
        lifetime_hours=max_hours if data["lifetime_hours"] is None else data["lifetime_hours"],
        max_lifetime_hours=max_hours,
        throttle=request_throttle(),
        client_address=client_address(),
    )


@blp.route("/auth/tokens", methods=["GET"])
@blp.response(200, TokenSchema(many=True))
@blp.doc(security=BEARER)
def list_tokens() -> Any:
    """The caller's tokens, without their secrets."""
    return tokens.list_tokens(uow(), bearer_actor())


@blp.route("/auth/tokens/<int:token_id>", methods=["DELETE"])
@blp.response(204)
@blp.doc(security=BEARER)
def revoke_token(token_id: int) -> None:
    """Revoke one of the caller's tokens at once."""
    tokens.revoke_token(uow(), bearer_actor(), token_id)


@blp.route("/me", methods=["GET"])
@blp.response(200, MeSchema)
@blp.doc(security=BEARER)
def me() -> Any:
    """Who the token belongs to, with their organisations and roles."""
    return bearer_actor()


@blp.route("/me", methods=["PATCH"])
@blp.arguments(ProfileUpdateSchema)
@blp.response(200, MeSchema)
@blp.alt_response(429, description="Too many wrong current passwords; see Retry-After.")
@blp.doc(security=BEARER)
def update_me(changes: dict[str, Any]) -> Any:
    """Change the caller's display name, language or password.

    A new password ends the user's web sessions and revokes all their tokens, this one too;
    wrong current passwords are throttled like sign-ins."""
    return accounts.update_profile(uow(), bearer_actor(), changes, throttle=request_throttle())
