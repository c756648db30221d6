"""Setup helpers: organisations and users made through the services, for arranging tests only."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient

from exchange.accounts.credit_code import check_character
from exchange.accounts.models import Organisation
from exchange.accounts.sessions import open_session
from exchange.accounts.users import add_membership, new_user
from exchange.extensions import db
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role, VerificationStatus

PASSWORD = "Copper-Ledger-2026"
_serial = itertools.count(1)


def credit_code(serial: int | None = None) -> str:
    """A valid unified social credit code, different for each call."""
    body = f"91360100MA{serial if serial is not None else next(_serial):07d}"
    return body + check_character(body)


def organisation_data(**overrides: object) -> dict[str, object]:
    """Registration fields for a valid organisation and first user."""
    serial = next(_serial)
    data: dict[str, object] = {
        "name_zh": f"南昌测试数据有限公司{serial}",
        "name_en": f"Nanchang Test Data Co. {serial}",
        "credit_code": credit_code(serial),
        "region": "nanchang",
        "dcmm_level": 3,
        "dcmm_certificate_no": f"DCMM-{serial:04d}",
        "contact_name": "王伟",
        "contact_phone": "0791-8600 1234",
        "contact_email": f"contact{serial}@example.cn",
        "email": f"user{serial}@example.cn",
        "display_name": f"测试用户{serial}",
        "password": PASSWORD,
        "roles": ["vendor"],
    }
    data.update(overrides)
    return data


@dataclass(frozen=True)
class Member:
    user_id: int
    organisation_id: int
    email: str
    password: str = PASSWORD


def make_member(
    app: Flask,
    roles: Iterable[Role | str] = (Role.VENDOR,),
    *,
    verified: bool = True,
    is_admin: bool = True,
    organisation_id: int | None = None,
    email: str | None = None,
) -> Member:
    """A user with these roles in a new (or the given) organisation."""
    with app.app_context():
        session = db.session
        if organisation_id is None:
            data = organisation_data()
            org_fields = {
                k: v
                for k, v in data.items()
                if k not in ("email", "display_name", "password", "roles")
            }
            organisation = Organisation(
                **org_fields,
                verification_status=(
                    VerificationStatus.VERIFIED if verified else VerificationStatus.PENDING
                ),
            )
            session.add(organisation)
        else:
            organisation = session.get(Organisation, organisation_id)
        serial = next(_serial)
        user = new_user(
            session,
            email=email or f"member{serial}@example.cn",
            display_name=f"成员{serial}",
            password=PASSWORD,
        )
        add_membership(session, user, organisation, [Role(r) for r in roles], is_admin=is_admin)
        session.flush()
        member = Member(user.id, organisation.id, user.email)
        UnitOfWork(session).commit()
        return member


def bearer(client: FlaskClient, member: Member) -> dict[str, str]:
    """Authorization headers with a fresh token for the member."""
    response = client.post(
        "/api/v1/auth/tokens", json={"email": member.email, "password": member.password}
    )
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token from a form on the page."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: FlaskClient, member: Member) -> None:
    """Sign the member in through the page, as a browser would."""
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in", data={"email": member.email, "password": member.password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def signed_in_session(client: FlaskClient, user_id: int) -> None:
    """A signed-in session for the user without the sign-in page (and its argon2 and throttle):
    a session recorded on the server, as signing in records one, and the cookie naming it."""
    app = client.application
    with app.app_context():
        sid = open_session(UnitOfWork(db.session), user_id)
        db.session.remove()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
        session["sid"] = sid
