"""POST /api/v1/registrations: an organisation and its first user, or nothing at all."""

from __future__ import annotations

import pytest

from exchange.accounts.credit_code import ALPHABET
from tests.api.helpers import (
    assert_problem,
    field_errors,
    issue_token,
    row_counts,
)
from tests.factories import Member, credit_code, organisation_data

REGISTER = "/api/v1/registrations"


def register(client, **overrides):
    return client.post(REGISTER, json=organisation_data(**overrides))


def first_user(client, data) -> Member:
    """The registered first user, found as they would find themselves: a token and /me."""
    email, password = str(data["email"]), str(data["password"])
    me = me_of(client, Member(0, 0, email, password))
    [membership] = me["memberships"]
    return Member(me["user_id"], membership["organisation_id"], email, password)


def me_of(client, member):
    headers = {"Authorization": f"Bearer {issue_token(client, member)['token']}"}
    return client.get("/api/v1/me", headers=headers).get_json()


def test_registration_is_accepted_and_creates_the_organisation_and_user(client, app):
    before = row_counts(app)
    response = register(client)
    assert response.status_code == 202
    body = response.get_json()
    assert set(body) == {"detail"}
    after = row_counts(app)
    assert after["organisations"] == before["organisations"] + 1
    assert after["users"] == before["users"] + 1


def test_registered_organisation_awaits_verification_with_its_first_user_as_admin(client):
    data = organisation_data(roles=["vendor"])
    response = client.post(REGISTER, json=data)
    assert response.status_code == 202
    member = first_user(client, data)
    me = me_of(client, member)
    assert me["memberships"] == [
        {
            "organisation_id": member.organisation_id,
            "name_zh": data["name_zh"],
            "name_en": data["name_en"],
            "verification_status": "pending",
            "roles": ["vendor"],
            "is_admin": True,
        }
    ]


def test_organisation_can_register_as_vendor_and_buyer_at_once(client):
    data = organisation_data(roles=["vendor", "buyer"])
    response = client.post(REGISTER, json=data)
    assert response.status_code == 202
    [membership] = me_of(client, first_user(client, data))["memberships"]
    assert sorted(membership["roles"]) == ["buyer", "vendor"]


def test_email_is_stored_in_lower_case(client):
    data = organisation_data(email="Li.Na@Example.CN")
    response = client.post(REGISTER, json=data)
    assert response.status_code == 202
    me = me_of(client, first_user(client, data))
    assert me["email"] == "li.na@example.cn"


def test_credit_code_is_stored_without_spaces_in_upper_case(client):
    code = credit_code()
    typed = f"{code[:6]} {code[6:12]} {code[12:]}".lower()
    data = organisation_data(credit_code=typed)
    response = client.post(REGISTER, json=data)
    assert response.status_code == 202
    member = first_user(client, data)
    headers = {"Authorization": f"Bearer {issue_token(client, member)['token']}"}
    organisation = client.get(f"/api/v1/organisations/{member.organisation_id}", headers=headers)
    assert organisation.get_json()["credit_code"] == code


def test_strings_at_their_length_limits_are_accepted(client):
    response = register(
        client,
        name_zh="赣" * 120,
        name_en="N" * 200,
        contact_name="王" * 80,
        contact_phone="0" * 32,
        display_name="用" * 80,
        dcmm_certificate_no="D" * 64,
    )
    assert response.status_code == 202, response.get_json()


def test_malformed_json_is_a_bad_request_and_writes_nothing(client, app):
    before = row_counts(app)
    response = client.post(REGISTER, data='{"name_zh": ', content_type="application/json")
    body = assert_problem(response, 400)
    assert body["type"] == "urn:ganshu:problem:malformed-request"
    assert body["detail"] == "Invalid JSON body."
    assert row_counts(app) == before


def test_json_that_is_not_an_object_is_refused(client, app):
    before = row_counts(app)
    response = client.post(REGISTER, json=[organisation_data()])
    assert field_errors(response) == {"_schema": ["Invalid input type."]}
    assert row_counts(app) == before


def test_missing_fields_are_each_named(client, app):
    before = row_counts(app)
    response = client.post(REGISTER, json={})
    errors = field_errors(response)
    required = {
        "name_zh",
        "name_en",
        "credit_code",
        "region",
        "contact_name",
        "contact_phone",
        "contact_email",
        "email",
        "display_name",
        "password",
        "roles",
    }
    assert errors == {field: ["Missing data for required field."] for field in required}
    assert row_counts(app) == before


def test_wrong_types_are_errors_on_each_field_and_write_nothing(client, app):
    before = row_counts(app)
    response = register(client, name_zh=5, dcmm_level="three", roles="vendor", password=None)
    assert field_errors(response) == {
        "name_zh": ["Not a valid string."],
        "dcmm_level": ["Not a valid integer."],
        "roles": ["Not a valid list."],
        "password": ["Field may not be null."],
    }
    assert row_counts(app) == before


def test_unknown_fields_are_errors_and_write_nothing(client, app):
    before = row_counts(app)
    response = register(client, verification_status="verified", is_admin=True)
    assert field_errors(response) == {
        "verification_status": ["Unknown field."],
        "is_admin": ["Unknown field."],
    }
    assert row_counts(app) == before


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("name_zh", 120),
        ("name_en", 200),
        ("region", 32),
        ("contact_name", 80),
        ("contact_phone", 32),
        ("display_name", 80),
    ],
)
def test_overlong_string_is_an_error_on_its_field(client, app, field, limit):
    before = row_counts(app)
    response = register(client, **{field: "x" * (limit + 1)})
    assert field_errors(response) == {field: [f"Enter between 1 and {limit} characters."]}
    assert row_counts(app) == before


def test_overlong_certificate_number_is_an_error_on_its_field(client, app):
    before = row_counts(app)
    response = register(client, dcmm_certificate_no="D" * 65)
    assert field_errors(response) == {"dcmm_certificate_no": ["Enter between 0 and 64 characters."]}
    assert row_counts(app) == before


def test_overlong_email_is_an_error_on_email(client, app):
    before = row_counts(app)
    domain = "b" * 62 + "." + "c" * 62 + "." + "d" * 61 + ".cn"
    address = "a" * 64 + "@" + domain
    assert len(address) == 255
    response = register(client, email=address)
    errors = field_errors(response)
    assert set(errors) == {"email"}
    assert "Enter at most 254 characters." in errors["email"]
    assert row_counts(app) == before


def test_invalid_email_is_an_error_on_email(client, app):
    before = row_counts(app)
    response = register(client, email="not-an-address", contact_email="also@not@valid")
    assert field_errors(response) == {
        "email": ["Not a valid email address."],
        "contact_email": ["Not a valid email address."],
    }
    assert row_counts(app) == before


def test_wrong_check_character_is_an_error_on_credit_code(client, app):
    before = row_counts(app)
    code = credit_code()
    wrong = next(char for char in ALPHABET if char != code[17])
    response = register(client, credit_code=code[:17] + wrong)
    assert field_errors(response) == {
        "credit_code": ["The check character (the 18th) does not match; check the code for typos."]
    }
    assert row_counts(app) == before


def test_credit_code_of_the_wrong_length_is_an_error_on_credit_code(client, app):
    before = row_counts(app)
    response = register(client, credit_code=credit_code()[:17])
    assert field_errors(response) == {
        "credit_code": ["A unified social credit code has 18 characters."]
    }
    assert row_counts(app) == before


def test_credit_code_with_letters_gb_32100_excludes_is_an_error_on_credit_code(client, app):
    before = row_counts(app)
    code = credit_code()
    response = register(client, credit_code=code[:10] + "I" + code[11:])
    assert field_errors(response) == {
        "credit_code": ["Use only digits and the letters A–Y other than I, O, S, V and Z."]
    }
    assert row_counts(app) == before


def test_credit_code_without_a_division_code_is_an_error_on_credit_code(client, app):
    before = row_counts(app)
    code = credit_code()
    response = register(client, credit_code=code[:2] + "AB" + code[4:])
    assert field_errors(response) == {
        "credit_code": ["Characters 3 to 8 must be the administrative division code (digits)."]
    }
    assert row_counts(app) == before


def test_unknown_region_is_an_error_on_region(client, app):
    before = row_counts(app)
    response = register(client, region="shanghai")
    assert field_errors(response) == {"region": ["Choose one of the listed regions."]}
    assert row_counts(app) == before


def test_dcmm_level_outside_one_to_five_is_an_error_on_dcmm_level(client, app):
    before = row_counts(app)
    response = register(client, dcmm_level=6)
    assert field_errors(response) == {"dcmm_level": ["DCMM levels run from 1 to 5."]}
    assert row_counts(app) == before


def test_certificate_without_a_dcmm_level_is_an_error_on_dcmm_level(client, app):
    before = row_counts(app)
    response = register(client, dcmm_level=None, dcmm_certificate_no="DCMM-2026-001")
    assert field_errors(response) == {"dcmm_level": ["Give the DCMM level the certificate states."]}
    assert row_counts(app) == before


@pytest.mark.parametrize("password", ["password1", "qwertyuiop", "woaini1314"])
def test_common_password_is_an_error_on_password(client, app, password):
    before = row_counts(app)
    response = register(client, password=password)
    assert field_errors(response) == {"password": ["This password is too common; choose another."]}
    assert row_counts(app) == before


def test_password_equal_to_the_email_name_is_an_error_on_password(client, app):
    before = row_counts(app)
    response = register(client, email="copper-desk@example.cn", password="Copper-Desk")
    assert field_errors(response) == {"password": ["This password is too common; choose another."]}
    assert row_counts(app) == before


def test_password_of_seven_characters_is_an_error_on_password(client, app):
    before = row_counts(app)
    response = register(client, password="Gx7#kq2")
    assert field_errors(response) == {"password": ["Use at least 8 characters."]}
    assert row_counts(app) == before


def test_password_of_129_characters_is_an_error_on_password(client, app):
    before = row_counts(app)
    response = register(client, password="Gx7#kq2!" * 16 + "x")
    assert field_errors(response) == {"password": ["Use at most 128 characters."]}
    assert row_counts(app) == before


@pytest.mark.parametrize("password", ["Gx7#kq2!", "Gx7#kq2!" * 16])
def test_password_of_8_to_128_characters_is_accepted(client, password):
    response = register(client, password=password)
    assert response.status_code == 202, response.get_json()


@pytest.mark.parametrize("roles", [["regulator"], ["operator"], ["vendor", "operator"]])
def test_regulator_and_operator_roles_cannot_be_registered(client, app, roles):
    before = row_counts(app)
    response = register(client, roles=roles)
    assert field_errors(response) == {"roles": ["Choose vendor, buyer or both."]}
    assert row_counts(app) == before


def test_registration_without_a_role_is_refused(client, app):
    before = row_counts(app)
    response = register(client, roles=[])
    assert field_errors(response) == {"roles": ["Choose vendor, buyer or both."]}
    assert row_counts(app) == before


def test_unknown_role_is_an_error_naming_the_choices(client, app):
    before = row_counts(app)
    response = register(client, roles=["vendor", "broker"])
    assert field_errors(response) == {
        "roles.1": ["Choose one of: vendor, buyer, regulator, operator."]
    }
    assert row_counts(app) == before


def test_every_bad_field_is_named_at_once(client, app):
    before = row_counts(app)
    code = credit_code()
    response = register(
        client,
        credit_code=code[:17] + next(c for c in ALPHABET if c != code[17]),
        region="shanghai",
        password="short",
        roles=["operator"],
    )
    assert set(field_errors(response)) == {"credit_code", "region", "password", "roles"}
    assert row_counts(app) == before


def test_known_email_gets_the_same_answer_as_a_new_one_and_creates_nothing(client, app):
    first = organisation_data()
    new = client.post(REGISTER, json=first)
    assert new.status_code == 202
    before = row_counts(app)
    known = register(client, email=str(first["email"]).upper())
    assert (known.status_code, known.get_json()) == (new.status_code, new.get_json())
    after = row_counts(app)
    assert after == before | {"audit_events": before["audit_events"] + 1}


def test_duplicate_credit_code_is_a_conflict_on_credit_code(client, app):
    first = organisation_data()
    assert client.post(REGISTER, json=first).status_code == 202
    before = row_counts(app)
    response = register(client, credit_code=str(first["credit_code"]).lower())
    body = assert_problem(response, 409)
    assert body["errors"] == {
        "credit_code": ["An organisation with this credit code is already registered."]
    }
    assert row_counts(app) == before


def test_repeated_registration_is_a_conflict_on_the_credit_code_only(client, app):
    first = organisation_data()
    assert client.post(REGISTER, json=first).status_code == 202
    before = row_counts(app)
    response = client.post(REGISTER, json=first)
    assert set(assert_problem(response, 409)["errors"]) == {"credit_code"}
    assert row_counts(app) == before


def test_body_over_the_size_limit_is_refused_and_writes_nothing(client, app):
    before = row_counts(app)
    padding = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = register(client, name_en=padding)
    body = assert_problem(response, 413)
    assert body["detail"] == "The request body is larger than the exchange accepts."
    assert row_counts(app) == before
