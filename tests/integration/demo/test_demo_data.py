"""The demo data loads once, and every printed demo login works."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from demo.organisations import DEMO_ORGANISATIONS, demo_logins, load_demo_data
from exchange.accounts.actors import load_actor
from exchange.accounts.credit_code import credit_code_problem
from exchange.accounts.models import Membership, Organisation, User
from exchange.extensions import db
from exchange.kernel.records import AuditEvent
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role, VerificationStatus
from tests.factories import Member, make_member, sign_in


def load(app) -> int:
    with app.app_context():
        return load_demo_data(UnitOfWork(db.session))


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Organisation, User, Membership, AuditEvent)
        }


def test_first_load_adds_every_demo_organisation(app):
    assert load(app) == len(DEMO_ORGANISATIONS)
    assert row_counts(app)["Organisation"] == len(DEMO_ORGANISATIONS)


def test_second_load_adds_nothing(app):
    load(app)
    before = row_counts(app)
    assert load(app) == 0
    assert row_counts(app) == before


def test_load_skips_a_demo_login_that_already_exists(app):
    make_member(app, email="vendor@demo.ganshu.cn")
    assert load(app) == len(DEMO_ORGANISATIONS) - 1
    with app.app_context():
        vendors = db.session.scalar(
            select(func.count()).select_from(User).where(User.email == "vendor@demo.ganshu.cn")
        )
    assert vendors == 1


@pytest.mark.parametrize("login", demo_logins(), ids=lambda login: login.role)
def test_demo_login_signs_in_through_the_page(app, client, login):
    load(app)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == login.email))
    sign_in(client, Member(user_id, 0, login.email, login.password))
    assert client.get("/profile").status_code == 200


def test_demo_logins_cover_every_role():
    held = {role for login in demo_logins() for role in login.role.split("/")}
    assert held == {role.value for role in Role}


def test_demo_logins_hold_the_roles_they_are_printed_with(app):
    load(app)
    with app.app_context():
        for login in demo_logins():
            user_id = db.session.scalar(select(User.id).where(User.email == login.email))
            actor = load_actor(db.session, user_id)
            assert sorted(actor.roles) == login.role.split("/"), login.email


def test_demo_has_one_organisation_awaiting_verification(app):
    load(app)
    with app.app_context():
        pending = db.session.scalars(
            select(Organisation.name_en).where(
                Organisation.verification_status == VerificationStatus.PENDING
            )
        ).all()
    assert len(pending) == 1


@pytest.mark.parametrize("entry", DEMO_ORGANISATIONS, ids=lambda entry: entry["org"]["credit_code"])
def test_demo_credit_codes_are_valid(entry):
    assert credit_code_problem(entry["org"]["credit_code"]) is None
