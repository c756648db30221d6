"""Sign-in's next= never leads off the site, however the address is written or encoded.

The hostile targets are generated: each way of naming another site, written with each trick a
browser or a proxy undoes (control characters and spaces it drops, backslashes it reads as
slashes, full-width forms it folds, percent-escapes decoded once or twice more)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest

from tests.factories import csrf_token, make_member, sign_in

ELSEWHERE = (
    "//evil.example",
    "///evil.example",
    "//evil.example/profile",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https://evil.example",
    "HTTPS://evil.example",
    "https:evil.example",
    "https:/evil.example",
    "//evil.example@ganshu.example",
    "javascript:alert(1)",
    "evil.example",
)


def inserted(text: str) -> Callable[[str], str]:
    return lambda target: target[:1] + text + target[1:]


def replaced(old: str, new: str) -> Callable[[str], str]:
    return lambda target: target.replace(old, new)


def escaped(times: int, safe: str = "") -> Callable[[str], str]:
    def escape(target: str) -> str:
        for _ in range(times):
            target = quote(target, safe=safe)
        return target

    return escape


TRICKS: dict[str, Callable[[str], str]] = {
    "as written": lambda target: target,
    "tab": inserted("\t"),
    "newline": inserted("\n"),
    "carriage return": inserted("\r"),
    "nul": inserted("\x00"),
    "space": inserted(" "),
    "vertical tab": inserted("\x0b"),
    "ideographic space": inserted("\u3000"),
    "zero-width space": inserted("\u200b"),
    "leading space": lambda target: " " + target,
    "full-width solidus": replaced("/", "\uff0f"),
    "full-width reverse solidus": replaced("\\", "\uff3c"),
    "slashes escaped": lambda target: (
        target[:1] + target[1:].replace("/", "%2F").replace("\\", "%5C")
    ),
    "slashes escaped in lower case": lambda target: (
        target[:1] + target[1:].replace("/", "%2f").replace("\\", "%5c")
    ),
    "escaped once": escaped(1),
    "escaped twice": escaped(2),
    "escaped twice after the first character": lambda target: target[:1] + escaped(2)(target[1:]),
    "tab escaped": inserted("%09"),
    "tab escaped twice": inserted("%2509"),
}

LOCAL = (
    "/profile",
    "/catalog?q=copper%20ore&page=2",
    "/catalog?q=%E9%93%9C",
    "/catalog#data",
    "/products/12",
)


def hostile(trick: str) -> list[str]:
    return sorted({TRICKS[trick](target) for target in ELSEWHERE})


def follow(client, target: str) -> str:
    """Where an already signed-in visitor of /sign-in?next=target is sent."""
    response = client.get(f"/sign-in?next={quote(target, safe='')}")
    assert response.status_code == 302, (target, response.status_code)
    return response.headers["Location"]


@pytest.mark.parametrize("trick", TRICKS)
def test_no_written_form_of_another_site_is_followed(app, client, trick):
    sign_in(client, make_member(app))
    followed = {target: follow(client, target) for target in hostile(trick)}
    assert {t: where for t, where in followed.items() if where != "/"} == {}


def test_the_sign_in_form_itself_returns_only_to_local_paths(app, client):
    member = make_member(app)
    targets = [TRICKS[trick](target) for trick in TRICKS for target in ELSEWHERE]
    escaped_off_site = {}
    for target in targets:
        token = csrf_token(client, "/sign-in")
        data = {"email": member.email, "password": member.password, "csrf_token": token}
        response = client.post(f"/sign-in?next={quote(target, safe='')}", data=data)
        assert response.status_code == 302, target
        if response.headers["Location"] != "/":
            escaped_off_site[target] = response.headers["Location"]
        client.post("/sign-out", data={"csrf_token": csrf_token(client, "/profile")})
    assert escaped_off_site == {}


@pytest.mark.parametrize("target", LOCAL)
def test_local_paths_are_followed(app, client, target):
    sign_in(client, make_member(app))
    assert follow(client, target) == target


def test_the_language_switch_returns_only_to_local_paths(client):
    token = csrf_token(client, "/sign-in")
    for target in [*hostile("tab"), *hostile("escaped twice")]:
        response = client.post(
            f"/language?next={quote(target, safe='')}", data={"locale": "en", "csrf_token": token}
        )
        assert (target, response.headers["Location"]) == (target, "/")
