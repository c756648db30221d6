"""The server-rendered pages through the test client, CSRF protection switched on."""

from __future__ import annotations

import gettext
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from exchange import ROOT
from exchange.accounts.models import Membership, Organisation, User
from exchange.extensions import db
from exchange.kernel.records import AuditEvent
from exchange.kernel.vocabulary import Role, VerificationStatus
from tests.components import require_component
from tests.factories import (
    PASSWORD,
    Member,
    csrf_token,
    make_member,
    organisation_data,
    sign_in,
)

SESSION_COOKIE = "ganshu_session"
# Babel resolves zh_CN to zh_Hans_CN, so the Chinese catalog lives under zh (see exchange/i18n.py).
ZH_CATALOG = ROOT / "exchange" / "translations" / "zh" / "LC_MESSAGES" / "messages.mo"


class Page(HTMLParser):
    """What a test reads off a page: inputs, the messages beside them, links and the language."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.lang = ""
        self.values: dict[str, str] = {}
        self.selected: dict[str, str] = {}
        self.checked: dict[str, list[str]] = {}
        self.password_values: list[str] = []
        self.feedback: dict[str, list[str]] = {}
        self.links: list[str] = []
        self.form_error = ""
        self._field = ""
        self._select = ""
        self._capture: str | None = None
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "input" and a.get("name") and a.get("name") != "csrf_token":
            self._field = a["name"]
            if a.get("type") == "password":
                self.password_values.append(a.get("value", ""))
            elif a.get("type") == "checkbox":
                if "checked" in a:
                    self.checked.setdefault(a["name"], []).append(a["value"])
            elif a.get("type") != "hidden":
                self.values[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._field = self._select = a.get("name", "")
        elif tag == "option" and "selected" in a:
            self.selected[self._select] = a.get("value", "")
        elif tag == "div" and "invalid-feedback" in a.get("class", "").split():
            self._capture, self._text = self._field, []
        elif tag == "div" and a.get("data-testid") == "form-error":
            self._capture, self._text = "__form__", []

    def handle_data(self, data: str) -> None:
        if self._capture is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._capture is not None:
            text = " ".join("".join(self._text).split())
            if self._capture == "__form__":
                self.form_error = text
            else:
                self.feedback.setdefault(self._capture, []).append(text)
            self._capture = None


def page(response) -> Page:
    return Page(response.get_data(as_text=True))


def form_fields(data: dict[str, object]) -> dict[str, object]:
    """Registration data as a browser posts it: strings, and a list for the roles checkboxes."""
    return {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in data.items()}


def in_english(client) -> None:
    with client.session_transaction() as session:
        session["locale"] = "en"


def post_register(client, data: dict[str, object]):
    token = csrf_token(client, "/register")
    return client.post("/register", data=form_fields(data) | {"csrf_token": token})


def post_sign_in(client, email: str, password: str, path: str = "/sign-in"):
    token = csrf_token(client, "/sign-in")
    return client.post(path, data={"email": email, "password": password, "csrf_token": token})


def post_with_token(client, path: str, data: dict[str, str] | None = None, *, token_from="/"):
    return client.post(path, data=(data or {}) | {"csrf_token": csrf_token(client, token_from)})


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def user_by_email(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def organisation_status(app, organisation_id: int) -> VerificationStatus:
    with app.app_context():
        return db.session.get(Organisation, organisation_id).verification_status


def session_cookie(client) -> str:
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None
    return cookie.value


# Registration -------------------------------------------------------------------------------


def test_register_page_creates_the_organisation_and_its_administrator(app, client):
    data = organisation_data(roles=["vendor", "buyer"])
    response = post_register(client, data)
    assert response.status_code == 302
    with app.app_context():
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.credit_code == data["credit_code"])
        )
        assert organisation.verification_status == VerificationStatus.PENDING
        membership = db.session.scalar(
            select(Membership).where(Membership.organisation_id == organisation.id)
        )
        assert membership.user.email == data["email"]
        assert membership.is_admin is True
        assert membership.role_set == {Role.VENDOR, Role.BUYER}


def test_register_page_sends_the_new_user_to_sign_in_and_on_to_the_profile(client):
    data = organisation_data()
    response = post_register(client, data)
    assert response.headers["Location"] == "/sign-in?next=/profile"
    signed_in = post_sign_in(client, data["email"], data["password"], response.headers["Location"])
    assert signed_in.headers["Location"] == "/profile"
    profile = client.get("/profile")
    assert profile.status_code == 200
    assert data["email"] in profile.get_data(as_text=True)


def test_register_page_saves_the_language_it_was_shown_in(app, client):
    in_english(client)
    data = organisation_data()
    post_register(client, data)
    assert user_by_email(app, data["email"]).locale == "en"


def test_form_without_csrf_token_is_refused_and_writes_nothing(app, client):
    in_english(client)
    response = client.post("/register", data=form_fields(organisation_data()))
    assert response.status_code == 400
    assert "The form expired or was sent from elsewhere" in response.get_data(as_text=True)
    assert count(app, Organisation) == 0
    assert count(app, User) == 0
    assert count(app, AuditEvent) == 0


def test_form_with_a_forged_csrf_token_is_refused(app, client):
    client.get("/register")
    data = form_fields(organisation_data()) | {"csrf_token": "forged"}
    assert client.post("/register", data=data).status_code == 400
    assert count(app, Organisation) == 0


def test_csrf_token_from_another_session_is_refused(app, client):
    other = app.test_client()
    token = csrf_token(other, "/register")
    client.get("/register")
    data = form_fields(organisation_data()) | {"csrf_token": token}
    assert client.post("/register", data=data).status_code == 400
    assert count(app, Organisation) == 0


def test_bad_credit_code_is_shown_beside_its_field_with_422(app, client):
    in_english(client)
    code = organisation_data()["credit_code"]
    mistyped = code[:17] + ("0" if code[17] != "0" else "1")
    response = post_register(client, organisation_data(credit_code=mistyped))
    assert response.status_code == 422
    shown = page(response)
    message = "The check character (the 18th) does not match; check the code for typos."
    assert shown.feedback == {"credit_code": [message]}
    assert shown.form_error == "Some fields are not valid"
    assert count(app, Organisation) == 0


def test_refused_form_keeps_what_was_typed(client):
    data = organisation_data(credit_code="91350100M000100Y4X", roles=["buyer"], dcmm_level=2)
    shown = page(post_register(client, data))
    for name in ("name_zh", "name_en", "credit_code", "contact_name", "contact_email", "email"):
        assert shown.values[name] == data[name], name
    assert shown.selected["region"] == "nanchang"
    assert shown.selected["dcmm_level"] == "2"
    assert shown.checked["roles"] == ["buyer"]


def test_refused_form_never_sends_the_password_back(client):
    data = organisation_data(credit_code="TOO-SHORT")
    response = post_register(client, data)
    assert response.status_code == 422
    assert page(response).password_values == [""]
    assert PASSWORD not in response.get_data(as_text=True)


def test_missing_fields_are_each_marked_beside_the_field(client):
    in_english(client)
    data = organisation_data()
    del data["name_en"], data["contact_phone"]
    response = post_register(client, data)
    assert response.status_code == 422
    assert set(page(response).feedback) == {"name_en", "contact_phone"}


def test_common_password_is_shown_beside_the_password_field(app, client):
    in_english(client)
    response = post_register(client, organisation_data(password="woaini1314"))
    assert response.status_code == 422
    assert page(response).feedback == {"password": ["This password is too common; choose another."]}
    assert count(app, User) == 0


def test_self_registration_as_operator_is_refused(app, client):
    in_english(client)
    response = post_register(client, organisation_data(roles=["operator"]))
    assert response.status_code == 422
    assert page(response).feedback == {"roles": ["Choose vendor, buyer or both."]}
    assert count(app, Organisation) == 0


def test_known_email_gets_the_same_answer_as_a_new_one_and_writes_nothing(app, client):
    first = organisation_data()
    in_english(client)
    new = post_register(client, first)
    new_message = flashed_text(client.get(new.headers["Location"]))
    known = post_register(client, organisation_data(email=first["email"].upper()))
    assert (known.status_code, known.headers["Location"]) == (302, new.headers["Location"])
    assert flashed_text(client.get(known.headers["Location"])) == new_message
    assert count(app, Organisation) == 1


def test_duplicate_credit_code_is_a_409_shown_beside_its_field(app, client):
    first = organisation_data()
    assert post_register(app.test_client(), first).status_code == 302
    in_english(client)
    typed = " " + first["credit_code"].lower()
    response = post_register(client, organisation_data(credit_code=typed))
    assert response.status_code == 409
    assert page(response).feedback == {
        "credit_code": ["An organisation with this credit code is already registered."]
    }


# Sessions ------------------------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite_lax(app, client):
    member = make_member(app)
    response = post_sign_in(client, member.email, member.password)
    assert response.status_code == 302
    header = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(SESSION_COOKIE + "=")
    )
    attributes = {part.strip().lower() for part in header.split(";")}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "secure" not in attributes  # test mode serves plain http


def test_sign_in_issues_a_new_session_cookie(app, client):
    member = make_member(app)
    token = csrf_token(client, "/sign-in")
    before = session_cookie(client)
    client.post(
        "/sign-in", data={"email": member.email, "password": member.password, "csrf_token": token}
    )
    assert session_cookie(client) != before


def test_sign_in_discards_what_the_anonymous_session_held(app, client):
    member = make_member(app)
    with client.session_transaction() as session:
        session["planted"] = "attacker-chosen"
        session["sid"] = "fixed-by-attacker"
    sign_in(client, member)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["sid"] != "fixed-by-attacker"
        assert session["_user_id"] == str(member.user_id)


def test_each_sign_in_gets_a_different_session_id(app, client):
    member = make_member(app)
    sign_in(client, member)
    with client.session_transaction() as session:
        first = session["sid"]
    post_with_token(client, "/sign-out")
    sign_in(client, member)
    with client.session_transaction() as session:
        assert session["sid"] != first


def test_language_chosen_before_sign_in_is_kept_when_the_account_has_none(app, client):
    member = make_member(app)
    in_english(client)
    sign_in(client, member)
    assert page(client.get("/")).lang == "en"


def test_account_language_wins_over_the_session_at_sign_in(app, client):
    member = make_member(app)
    with app.app_context():
        db.session.get(User, member.user_id).locale = "zh_CN"
        db.session.commit()
    in_english(client)
    sign_in(client, member)
    assert page(client.get("/")).lang == "zh-CN"


def test_sign_in_returns_to_a_local_next_page(app, client):
    member = make_member(app)
    response = post_sign_in(client, member.email, member.password, "/sign-in?next=/profile")
    assert response.headers["Location"] == "/profile"


def test_sign_in_never_redirects_off_site(app, client):
    member = make_member(app)
    response = post_sign_in(client, member.email, member.password, "/sign-in?next=//evil.example")
    assert response.headers["Location"] == "/"


def test_wrong_password_shows_the_sign_in_page_again_with_401(app, client):
    member = make_member(app)
    in_english(client)
    response = post_sign_in(client, member.email, "Not-The-Password-9")
    assert response.status_code == 401
    shown = page(response)
    assert shown.form_error == "The email or password is wrong."
    assert shown.values["email"] == member.email
    assert shown.password_values == [""]


def test_repeated_failed_sign_ins_are_throttled_with_429_on_the_page(app, client):
    app.config["SIGNIN_MAX_FAILURES"] = 3
    member = make_member(app)
    in_english(client)
    for _ in range(3):
        assert post_sign_in(client, member.email, "Not-The-Password-9").status_code == 401
    response = post_sign_in(client, member.email, member.password)
    assert response.status_code == 429
    shown = page(response)
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= app.config["SIGNIN_WINDOW_SECONDS"]
    assert shown.form_error == f"Too many attempts; try again in {wait} seconds."
    assert 'data-testid="sign-in-form"' in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_sign_out_ends_the_session(app, client):
    member = make_member(app)
    sign_in(client, member)
    assert client.get("/profile").status_code == 200
    response = post_with_token(client, "/sign-out", token_from="/profile")
    assert response.status_code == 302
    profile = client.get("/profile")
    assert profile.status_code == 302
    assert profile.headers["Location"].startswith("/sign-in")


def test_sign_out_without_csrf_token_keeps_the_session(app, client):
    member = make_member(app)
    sign_in(client, member)
    assert client.post("/sign-out").status_code == 400
    assert client.get("/profile").status_code == 200


# Navigation and access -----------------------------------------------------------------------

QUEUE, DIRECTORY, AUDIT = "/operator/verifications", "/organisations/", "/audit"


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (Role.OPERATOR, {QUEUE, DIRECTORY, AUDIT}, set()),
        (Role.REGULATOR, {DIRECTORY, AUDIT}, {QUEUE}),
        (Role.VENDOR, set(), {QUEUE, DIRECTORY, AUDIT}),
        (Role.BUYER, set(), {QUEUE, DIRECTORY, AUDIT}),
    ],
)
def test_navigation_offers_only_what_the_role_may_do(app, client, role, shown, hidden):
    sign_in(client, make_member(app, [role]))
    links = set(page(client.get("/")).links)
    assert shown <= links
    assert not hidden & links


def test_navigation_links_the_members_own_organisation(app, client):
    member = make_member(app, [Role.VENDOR])
    sign_in(client, member)
    assert f"/organisations/{member.organisation_id}" in page(client.get("/")).links


def test_anonymous_navigation_offers_sign_in_and_register(client):
    links = set(page(client.get("/")).links)
    assert {"/sign-in", "/register"} <= links
    assert not {QUEUE, DIRECTORY, AUDIT, "/profile"} & links


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.REGULATOR, QUEUE),
        (Role.VENDOR, QUEUE),
        (Role.BUYER, QUEUE),
        (Role.VENDOR, DIRECTORY),
        (Role.BUYER, DIRECTORY),
        (Role.VENDOR, AUDIT),
        (Role.BUYER, AUDIT),
    ],
)
def test_pages_refuse_roles_without_access(app, client, role, path):
    sign_in(client, make_member(app, [role]))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.OPERATOR, QUEUE),
        (Role.OPERATOR, DIRECTORY),
        (Role.OPERATOR, AUDIT),
        (Role.REGULATOR, DIRECTORY),
        (Role.REGULATOR, AUDIT),
    ],
)
def test_pages_open_to_roles_with_access(app, client, role, path):
    sign_in(client, make_member(app, [role]))
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", [QUEUE, DIRECTORY, AUDIT, "/profile"])
def test_protected_pages_send_anonymous_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def flashed_text(response) -> str:
    match = re.search(r'role="alert">\s*(.*?)\s*<button', response.get_data(as_text=True), re.S)
    assert match, "no flashed message"
    return match.group(1)


def test_sign_in_prompt_is_the_exchanges_own_message(client):
    in_english(client)
    client.get("/profile")
    assert flashed_text(client.get("/sign-in")) == "Sign in first"


def test_sign_in_prompt_is_in_chinese_by_default(client):
    client.get("/profile")
    assert flashed_text(client.get("/sign-in")) == chinese("Sign in first")


def test_audit_page_shows_recent_events_to_a_regulator(app, client):
    regulator = make_member(app, [Role.REGULATOR])
    sign_in(client, regulator)
    assert regulator.email in client.get(AUDIT).get_data(as_text=True)


# Verification queue --------------------------------------------------------------------------


def queue_item_links(client) -> set[str]:
    """Links to single organisations on the queue page (the navigation adds the operator's own)."""
    links = page(client.get(QUEUE)).links
    return {link for link in links if re.fullmatch(r"/organisations/\d+", link)}


def test_queue_lists_only_organisations_awaiting_verification(app, client):
    operator = make_member(app, [Role.OPERATOR])
    pending = make_member(app, verified=False)
    make_member(app, verified=True)
    sign_in(client, operator)
    queued = queue_item_links(client) - {f"/organisations/{operator.organisation_id}"}
    assert queued == {f"/organisations/{pending.organisation_id}"}


def test_operator_verifies_a_pending_organisation_and_it_leaves_the_queue(app, client):
    operator = make_member(app, [Role.OPERATOR])
    pending = make_member(app, verified=False)
    sign_in(client, operator)
    response = post_with_token(
        client,
        f"{QUEUE}/{pending.organisation_id}",
        {"decision": "verified", "note": ""},
        token_from=QUEUE,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == QUEUE
    assert f"/organisations/{pending.organisation_id}" not in queue_item_links(client)
    assert organisation_status(app, pending.organisation_id) == VerificationStatus.VERIFIED


def test_rejection_without_a_note_is_shown_on_the_queue_page(app, client):
    operator = make_member(app, [Role.OPERATOR])
    pending = make_member(app, verified=False)
    sign_in(client, operator)
    with client.session_transaction() as session:
        session["locale"] = "en"
    response = post_with_token(
        client, f"{QUEUE}/{pending.organisation_id}", {"decision": "rejected"}, token_from=QUEUE
    )
    assert response.status_code == 422
    assert page(response).feedback == {"note": ["Say why the registration is rejected."]}
    assert organisation_status(app, pending.organisation_id) == VerificationStatus.PENDING


def test_operator_rejects_with_a_note(app, client):
    operator = make_member(app, [Role.OPERATOR])
    pending = make_member(app, verified=False)
    sign_in(client, operator)
    response = post_with_token(
        client,
        f"{QUEUE}/{pending.organisation_id}",
        {"decision": "rejected", "note": "Licence expired"},
        token_from=QUEUE,
    )
    assert response.status_code == 302
    assert organisation_status(app, pending.organisation_id) == VerificationStatus.REJECTED


def test_non_operator_cannot_post_a_decision(app, client):
    regulator = make_member(app, [Role.REGULATOR])
    pending = make_member(app, verified=False)
    sign_in(client, regulator)
    response = post_with_token(
        client, f"{QUEUE}/{pending.organisation_id}", {"decision": "verified"}
    )
    assert response.status_code == 403
    assert organisation_status(app, pending.organisation_id) == VerificationStatus.PENDING


# Language ------------------------------------------------------------------------------------


def chinese(message: str) -> str:
    """The compiled Chinese catalog's translation (`make setup` compiles the catalog)."""
    require_component(ZH_CATALOG.exists(), "compiled Chinese catalog: run `make setup`")
    with ZH_CATALOG.open("rb") as handle:
        translated = gettext.GNUTranslations(handle).gettext(message)
    assert translated != message, f"no Chinese translation of {message!r}"
    return translated


def test_pages_declare_chinese_by_default(client):
    assert page(client.get("/sign-in")).lang == "zh-CN"


def test_pages_show_chinese_text_by_default(client):
    body = client.get("/sign-in").get_data(as_text=True)
    assert f">{chinese('Sign in')}</h1>" in body


def test_language_switch_makes_pages_english(client):
    response = post_with_token(client, "/language", {"locale": "en"})
    assert response.status_code == 302
    shown = client.get("/sign-in")
    assert page(shown).lang == "en"
    assert ">Sign in</h1>" in shown.get_data(as_text=True)


def test_language_switch_back_to_chinese(client):
    post_with_token(client, "/language", {"locale": "en"})
    post_with_token(client, "/language", {"locale": "zh_CN"})
    assert page(client.get("/")).lang == "zh-CN"


def test_unknown_language_is_ignored(client):
    response = post_with_token(client, "/language", {"locale": "fr"})
    assert response.status_code == 302
    assert page(client.get("/")).lang == "zh-CN"


def test_language_switch_returns_to_the_page_it_came_from(client):
    response = post_with_token(client, "/language?next=/sign-in", {"locale": "en"})
    assert response.headers["Location"] == "/sign-in"


def test_language_switch_never_redirects_off_site(client):
    response = post_with_token(client, "/language?next=//evil.example/", {"locale": "en"})
    assert response.headers["Location"] == "/"


def test_language_switch_without_csrf_token_changes_nothing(client):
    client.get("/")
    assert client.post("/language", data={"locale": "en"}).status_code == 400
    assert page(client.get("/")).lang == "zh-CN"


def test_language_switch_is_saved_on_the_account(app, client):
    member = make_member(app)
    sign_in(client, member)
    post_with_token(client, "/language", {"locale": "en"})
    assert user_by_email(app, member.email).locale == "en"


def test_saved_language_follows_the_user_to_a_new_browser(app, client):
    member = make_member(app)
    sign_in(client, member)
    post_with_token(client, "/language", {"locale": "en"})
    post_with_token(client, "/sign-out")
    fresh = app.test_client()
    assert page(fresh.get("/")).lang == "zh-CN"
    sign_in(fresh, Member(member.user_id, member.organisation_id, member.email))
    shown = fresh.get("/")
    assert page(shown).lang == "en"
    assert "Sign out" in shown.get_data(as_text=True)
