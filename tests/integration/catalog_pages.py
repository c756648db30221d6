"""What the catalog page tests share: products made through the API, signed-in sessions, and
reading pages (cards, facets, the messages beside inputs and actions)."""

from __future__ import annotations

import html as markup
import io
import re

from exchange.catalog.models import DataProduct
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from tests.catalog import COPPER_CSV, Person, create_product, person, product_data, review, submit
from tests.factories import csrf_token, signed_in_session

STEEL = {
    "board": "steel",
    "title_zh": "新余钢铁日产量",
    "title_en": "Xinyu steel daily output",
    "summary_zh": "新余主要钢厂粗钢、生铁日产量。",
    "summary_en": "Daily crude steel and pig iron output of Xinyu's mills.",
    "regions": ["xinyu"],
    "tags": ["钢铁"],
    "offers": [
        {
            "kind": "exclusive",
            "scope": "commercial",
            "term_months": 24,
            "territory": "global",
            "seats": 10,
            "price": "86000.00",
        }
    ],
}


def member(world, role: Role) -> Person:
    """The world's member with this role, made the first time it is asked for."""
    if role not in world:
        world[role] = person(world["app"], [role])
    return world[role]


def sign_in_as(client, someone: Person) -> None:
    """A signed-in session for the person, without argon2: signing in has its own page tests."""
    signed_in_session(client, someone.user_id)


def draft(world, **overrides) -> int:
    """A draft product with its file, made through the API."""
    return create_product(world["api"], world[Role.VENDOR].headers, **overrides)["id"]


def submitted(world, **overrides) -> int:
    """A product its vendor has sent to review, through the API."""
    product_id = draft(world, **overrides)
    assert submit(world["api"], world[Role.VENDOR], product_id).status_code == 200
    return product_id


def listed(world, **overrides) -> int:
    """A submitted product the operator approved, through the API."""
    product_id = submitted(world, **overrides)
    response = review(world["api"], member(world, Role.OPERATOR), product_id)
    assert response.get_json()["status"] == "listed", response.get_json()
    return product_id


def text(response) -> str:
    return markup.unescape(response.get_data(as_text=True))


def card_ids(response) -> list[int]:
    return [
        int(i)
        for i in re.findall(r'data-testid="product-card" data-product-id="(\d+)"', text(response))
    ]


def facet_counts(response, facet: str) -> dict[str, int]:
    block = re.search(rf'data-facet="{facet}">(.*?)</ul>', text(response), re.S)
    assert block, f"no {facet} facet"
    return {
        value: int(count)
        for value, count in re.findall(
            r'data-value="([^"]+)".*?class="facet-count">(\d+)<', block.group(1), re.S
        )
    }


def feedback(response, name: str) -> list[str]:
    """The messages beside one input (Bootstrap's invalid-feedback after it)."""
    body = text(response)
    found = re.search(
        rf'<(?:input(?![^>]*type="hidden")|textarea|select)[^>]*name="{name}"'
        r".*?(?=<(?:input|textarea|select|label|button)\b)",
        body,
        re.S,
    )
    assert found, f"no input {name}"
    return [
        " ".join(m.split())
        for m in re.findall(r'class="invalid-feedback"[^>]*>(.*?)</div>', found.group(0), re.S)
    ]


def action_error(response) -> str:
    match = re.search(
        r'data-testid="action-error">(.*?)</div>\s*(?:</form>|</td>)', text(response), re.S
    )
    assert match, "no error beside the action"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def post(client, path: str, data: dict | None = None, **kwargs):
    return client.post(path, data=(data or {}) | {"csrf_token": csrf_token(client, "/")}, **kwargs)


def english(client) -> None:
    assert post(client, "/language", {"locale": "en"}).status_code == 302


def status_of(app, product_id: int) -> str:
    with app.app_context():
        return db.session.get(DataProduct, product_id).status.value


def form_data(**overrides) -> dict:
    """The new-product form as a browser posts it."""
    data = product_data()
    offer = data.pop("offers")[0]
    fields = {k: v for k, v in data.items() if k not in ("tags", "regions")}
    fields |= {k: str(v) for k, v in offer.items() if not isinstance(v, bool)}
    fields |= {"tags": "铜, copper", "regions": ["yingtan"], "declared_accuracy": "0.98"}
    return fields | overrides


def post_new_product(
    client, content: bytes = COPPER_CSV, filename: str = "copper.csv", **overrides
):
    data = form_data(**overrides) | {"file": (io.BytesIO(content), filename)}
    return post(client, "/vendor/products/new", data, content_type="multipart/form-data")
