"""A first check that the app answers on both backends."""

from tests.factories import bearer, make_member


def test_me_returns_the_token_owner(client, app):
    member = make_member(app)
    response = client.get("/api/v1/me", headers=bearer(client, member))
    assert response.status_code == 200
    assert response.get_json()["email"] == member.email
