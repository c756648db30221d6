"""The trading pages through the test client with CSRF on, on SQLite and PostgreSQL: the offer
form on the product page, the negotiations and one negotiation's moves, the contract page from
signing to settlement, and the operators' bank transfers to confirm."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from exchange.delivery.models import Download
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from exchange.payments.domain import PaymentStatus
from exchange.payments.models import Payment
from exchange.trading.domain import ContractStatus
from exchange.trading.models import Negotiation, NegotiationRound, TradeContract
from exchange.valuation.models import Valuation
from tests.catalog import person
from tests.integration.catalog_pages import action_error, english, feedback, post, sign_in_as, text
from tests.trading import accept, counter, market, propose, terms


@pytest.fixture
def trade(app, client):
    return market(app, client)


def as_(app, someone, *, in_english: bool = True):
    """A client of its own, signed in as the person, reading English unless told otherwise."""
    client = app.test_client()
    sign_in_as(client, someone)
    if in_english:
        english(client)
    return client


def count(app, model) -> int:
    with app.app_context():
        found = db.session.scalar(select(func.count()).select_from(model)) or 0
        db.session.remove()
    return found


def contract_status(app, contract_id: int) -> ContractStatus:
    with app.app_context():
        status = db.session.get(TradeContract, contract_id).status
        db.session.remove()
    return status


def offer_form(**overrides) -> dict:
    """The offer form as a browser posts it: checkboxes left out when unticked."""
    data = {
        "price": "9500.00",
        "scope": "internal",
        "term_months": "12",
        "territory": "mainland",
        "seats": "5",
        "message": "请考虑。",
    }
    return data | overrides


def negotiate_path(trade) -> str:
    return f"/products/{trade.product_id}/offers/{trade.offer_id}/negotiate"


def agreed(app, trade) -> int:
    """A negotiation the vendor accepted, through the services; the contract's id."""
    return accept(app, trade.vendor, propose(app, trade.buyer, trade.offer_id))


def signed(app, trade) -> int:
    """An agreed contract both sides signed through the page."""
    contract_id = agreed(app, trade)
    for someone in (trade.vendor, trade.buyer):
        response = post(as_(app, someone), f"/contracts/{contract_id}/sign")
        assert response.status_code == 302, text(response)
    return contract_id


def paid(app, trade) -> int:
    """A signed contract the buyer paid by bank transfer and an operator confirmed."""
    contract_id = signed(app, trade)
    assert post(as_(app, trade.buyer), f"/contracts/{contract_id}/pay").status_code == 302
    with app.app_context():
        payment_id = db.session.scalar(select(Payment.id).where(Payment.contract_id == contract_id))
        db.session.remove()
    confirm = {"amount": "10000.00"}
    path = f"/operator/payments/{payment_id}/confirm"
    assert post(as_(app, trade.operator), path, confirm).status_code == 302
    assert contract_status(app, contract_id) == ContractStatus.IN_ESCROW
    return contract_id


def band(app, trade) -> None:
    with app.app_context():
        db.session.add(
            Valuation(
                product_id=trade.product_id,
                requested_by_id=trade.vendor.user_id,
                organisation_id=trade.vendor.organisation_id,
                purpose="listing",
                method_version="test",
                inputs={"offer_id": trade.offer_id},
                result={},
                floor=Decimal("9000.00"),
                reference=Decimal("10500.00"),
                ceiling=Decimal("12000.00"),
            )
        )
        db.session.commit()
        db.session.remove()


# The offer form on the product page


def test_product_page_offers_the_form_only_to_buyers_of_other_organisations(app, trade):
    path = f"/products/{trade.product_id}"
    marker = f'data-testid="make-offer-{trade.offer_id}"'
    assert marker in text(as_(app, trade.buyer).get(path))
    assert marker not in text(as_(app, trade.vendor).get(path))
    assert marker not in text(app.test_client().get(path))


def test_an_offer_opens_a_negotiation_both_sides_list(app, trade):
    response = post(as_(app, trade.buyer), negotiate_path(trade), offer_form())
    assert response.status_code == 302
    with app.app_context():
        negotiation_id = db.session.scalar(select(Negotiation.id))
        db.session.remove()
    assert response.headers["Location"].endswith(f"/negotiations/{negotiation_id}")
    for someone in (trade.buyer, trade.vendor):
        listing = as_(app, someone).get("/negotiations")
        assert listing.status_code == 200
        assert f'data-negotiation-id="{negotiation_id}"' in text(listing)
        assert "¥9,500.00" in text(listing)
        assert "Yingtan copper cathode daily spot prices" in text(listing)  # in English
    chinese = as_(app, trade.buyer, in_english=False)
    assert post(chinese, "/language", {"locale": "zh_CN"}).status_code == 302  # remembered
    assert "鹰潭阴极铜现货日价与库存" in text(chinese.get("/negotiations"))


def test_a_price_with_three_decimals_stays_in_place_and_writes_nothing(app, trade):
    response = post(as_(app, trade.buyer), negotiate_path(trade), offer_form(price="9500.005"))
    assert response.status_code == 422
    assert feedback(response, "price") == ["The price has at most two decimals (fen)."]
    assert 'value="9500.005"' in text(response)  # the input is kept
    assert count(app, Negotiation) == 0


def test_an_offer_needs_the_csrf_token(app, trade):
    client = as_(app, trade.buyer)
    assert client.post(negotiate_path(trade), data=offer_form()).status_code == 400
    assert count(app, Negotiation) == 0


def test_the_vendor_cannot_offer_on_its_own_product(app, trade):
    response = post(as_(app, trade.vendor), negotiate_path(trade), offer_form())
    assert response.status_code == 403
    assert "own organisation" in text(response)
    assert count(app, Negotiation) == 0


# A negotiation's page and moves


def test_negotiation_page_shows_the_history_to_both_sides_and_404_to_strangers(app, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    counter(app, trade.vendor, negotiation_id, "11800.00")
    path = f"/negotiations/{negotiation_id}"
    for someone in (trade.buyer, trade.vendor):
        page = as_(app, someone).get(path)
        assert page.status_code == 200
        assert re.findall(r'data-action="(\w+)"', text(page)) == ["propose", "counter"]
    stranger = person(app, [Role.BUYER])
    assert as_(app, stranger).get(path).status_code == 404


def test_only_the_side_whose_turn_it_is_sees_the_answer_forms(app, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    path = f"/negotiations/{negotiation_id}"
    assert 'data-testid="counter-form"' in text(as_(app, trade.vendor).get(path))
    buyer_page = text(as_(app, trade.buyer).get(path))
    assert 'data-testid="counter-form"' not in buyer_page
    assert 'data-testid="withdraw"' in buyer_page


def test_the_list_of_negotiations_is_for_buyers_and_vendors(app, trade):
    assert as_(app, trade.operator).get("/negotiations").status_code == 403
    assert app.test_client().get("/negotiations").status_code == 302  # to sign in


def test_band_and_suggested_counter_fill_the_counter_form(app, trade):
    band(app, trade)
    negotiation_id = propose(app, trade.buyer, trade.offer_id, terms(price=Decimal("8000.00")))
    counter(app, trade.vendor, negotiation_id, "11800.00")
    page = text(as_(app, trade.buyer).get(f"/negotiations/{negotiation_id}"))
    assert 'data-testid="band-floor">¥9,000.00' in page
    assert 'data-testid="suggested-price">¥9,900.00' in page
    link = re.search(r'data-testid="use-suggestion"\s+href="([^"]+)"', page)
    assert link
    filled = text(as_(app, trade.buyer).get(link.group(1).replace("&amp;", "&")))
    assert re.search(r'name="price"[^>]*value="9900.00"', filled)


def test_vendor_counters_and_buyer_accepts_into_a_contract(app, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    path = f"/negotiations/{negotiation_id}"
    countered = post(as_(app, trade.vendor), f"{path}/counter", offer_form(price="11000.00"))
    assert countered.status_code == 302
    accepted = post(as_(app, trade.buyer), f"{path}/accept", {"message": "同意。"})
    assert accepted.status_code == 302
    with app.app_context():
        contract = db.session.scalar(select(TradeContract))
        contract_id, price = contract.id, contract.price
        db.session.remove()
    assert accepted.headers["Location"].endswith(f"/contracts/{contract_id}")
    assert price == Decimal("11000.00")


def test_an_answer_out_of_turn_is_refused_in_place_and_writes_nothing(app, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    path = f"/negotiations/{negotiation_id}"
    response = post(as_(app, trade.buyer), f"{path}/counter", offer_form(price="9000.00"))
    assert response.status_code == 409
    assert "other side" in text(response)
    assert count(app, NegotiationRound) == 1


def test_a_bad_counter_shows_errors_beside_the_inputs(app, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    path = f"/negotiations/{negotiation_id}/counter"
    response = post(as_(app, trade.vendor), path, offer_form(price="1.234", seats="0"))
    assert response.status_code == 422
    assert feedback(response, "price") == ["The price has at most two decimals (fen)."]
    assert feedback(response, "seats") == ["Enter a number from 1 to 10000."]
    assert count(app, NegotiationRound) == 1


def test_the_vendor_rejects_and_the_buyer_may_no_longer_withdraw(app, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    path = f"/negotiations/{negotiation_id}"
    assert post(as_(app, trade.vendor), f"{path}/reject").status_code == 302
    refused = post(as_(app, trade.buyer), f"{path}/withdraw")
    assert refused.status_code == 409
    assert 'data-status="rejected"' in text(as_(app, trade.buyer).get(path))


def test_the_buyer_withdraws(app, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    path = f"/negotiations/{negotiation_id}"
    assert post(as_(app, trade.vendor), f"{path}/withdraw").status_code == 403
    assert post(as_(app, trade.buyer), f"{path}/withdraw", {"message": "算了"}).status_code == 302
    assert 'data-status="withdrawn"' in text(as_(app, trade.vendor).get(path))


# The contract page


def test_contract_page_shows_terms_and_chinese_text_to_parties_404_to_strangers(app, trade):
    contract_id = agreed(app, trade)
    path = f"/contracts/{contract_id}"
    page = as_(app, trade.buyer, in_english=False).get(path)
    assert page.status_code == 200
    with app.app_context():
        contract = db.session.get(TradeContract, contract_id)
        text_zh, text_en, digest = contract.text_zh, contract.text_en, contract.contract_hash
        db.session.remove()
    assert digest in text(page)
    assert text_zh.strip()[:40] in text(page)
    assert text_en.strip()[:40] not in text(page)
    assert as_(app, person(app, [Role.BUYER])).get(path).status_code == 404
    assert f'data-contract-id="{contract_id}"' in text(as_(app, trade.vendor).get("/contracts"))


def test_contract_page_in_english_shows_the_english_text(app, trade):
    contract_id = agreed(app, trade)
    page = text(as_(app, trade.vendor).get(f"/contracts/{contract_id}"))
    with app.app_context():
        text_en = db.session.get(TradeContract, contract_id).text_en
        db.session.remove()
    assert text_en.strip()[:40] in page
    assert "Awaiting signatures" in page


def test_both_sides_sign_and_each_signature_verifies(app, trade):
    contract_id = signed(app, trade)
    page = text(as_(app, trade.buyer).get(f"/contracts/{contract_id}"))
    assert page.count('data-testid="signature-verified"') == 2
    assert 'data-testid="signature-unverified"' not in page
    assert 'data-testid="pay-bank"' in page
    assert contract_status(app, contract_id) == ContractStatus.AWAITING_PAYMENT


def test_signing_needs_the_csrf_token_and_signs_once(app, trade):
    contract_id = agreed(app, trade)
    client = as_(app, trade.vendor)
    assert client.post(f"/contracts/{contract_id}/sign").status_code == 400
    assert post(client, f"/contracts/{contract_id}/sign").status_code == 302
    again = post(client, f"/contracts/{contract_id}/sign")
    assert again.status_code == 409
    assert "already signed" in text(again)


def test_paying_by_bank_transfer_shows_the_instructions(app, trade):
    contract_id = signed(app, trade)
    buyer = as_(app, trade.buyer)
    assert post(buyer, f"/contracts/{contract_id}/pay").status_code == 302
    page = text(buyer.get(f"/contracts/{contract_id}"))
    reference = re.search(r'data-testid="reference">(GSP\d+)<', page)
    assert reference
    assert 'data-testid="amount">¥10,000.00' in page
    assert "pay-bank" not in page
    vendor_page = text(as_(app, trade.vendor).get(f"/contracts/{contract_id}"))
    assert reference.group(1) not in vendor_page  # the vendor has nothing to pay


def test_only_operators_see_the_transfers_to_confirm(app, trade):
    contract_id = signed(app, trade)
    assert post(as_(app, trade.buyer), f"/contracts/{contract_id}/pay").status_code == 302
    page = as_(app, trade.operator).get("/operator/payments")
    assert page.status_code == 200
    assert "¥10,000.00" in text(page)
    assert as_(app, trade.buyer).get("/operator/payments").status_code == 403


def test_a_wrong_amount_is_refused_in_place_and_changes_nothing(app, trade):
    contract_id = signed(app, trade)
    assert post(as_(app, trade.buyer), f"/contracts/{contract_id}/pay").status_code == 302
    with app.app_context():
        payment_id = db.session.scalar(select(Payment.id))
        db.session.remove()
    path = f"/operator/payments/{payment_id}/confirm"
    response = post(as_(app, trade.operator), path, {"amount": "9999.99"})
    assert response.status_code == 422
    assert feedback(response, "amount") == [
        "The amount received must equal the contract price exactly."
    ]
    assert contract_status(app, contract_id) == ContractStatus.AWAITING_PAYMENT
    with app.app_context():
        assert db.session.get(Payment, payment_id).status == PaymentStatus.PENDING
        db.session.remove()


def test_the_buyer_downloads_a_fingerprinted_copy(app, trade):
    contract_id = paid(app, trade)
    buyer = as_(app, trade.buyer)
    link = post(buyer, f"/contracts/{contract_id}/download")
    assert link.status_code == 302
    copy = buyer.get(link.headers["Location"])
    assert copy.status_code == 200
    assert copy.headers["Content-Disposition"].startswith("attachment")
    assert copy.data
    assert count(app, Download) == 1
    refused = post(as_(app, trade.vendor), f"/contracts/{contract_id}/download")
    assert refused.status_code == 404
    assert count(app, Download) == 1


def test_accepting_delivery_pays_the_vendor_less_the_fee(app, trade):
    contract_id = paid(app, trade)
    assert (
        post(as_(app, trade.buyer), f"/contracts/{contract_id}/accept-delivery").status_code == 302
    )
    assert contract_status(app, contract_id) == ContractStatus.SETTLED
    page = text(as_(app, trade.vendor).get(f"/contracts/{contract_id}"))
    assert 'data-testid="payout-net">¥9,700.00' in page  # 10,000 less 3 %
    assert 'data-testid="payout"' not in text(
        as_(app, trade.buyer).get(f"/contracts/{contract_id}")
    )


def test_a_dispute_needs_a_reason_and_an_operator_decides_it(app, trade):
    contract_id = paid(app, trade)
    buyer = as_(app, trade.buyer)
    missing = post(buyer, f"/contracts/{contract_id}/dispute", {"reason": "  "})
    assert missing.status_code == 422
    assert "Give a reason." in text(missing)
    assert contract_status(app, contract_id) == ContractStatus.IN_ESCROW
    assert (
        post(buyer, f"/contracts/{contract_id}/dispute", {"reason": "数据缺列"}).status_code == 302
    )
    assert contract_status(app, contract_id) == ContractStatus.DISPUTED
    path = f"/contracts/{contract_id}/dispute/decision"
    assert post(buyer, path, {"decision": "uphold", "reason": "x"}).status_code == 403
    operator = as_(app, trade.operator)
    undecided = post(operator, path, {"decision": "", "reason": "核实"})
    assert undecided.status_code == 422
    assert action_error(undecided) == "Choose uphold or reject."
    assert post(operator, path, {"decision": "reject", "reason": "数据完整"}).status_code == 302
    assert contract_status(app, contract_id) == ContractStatus.SETTLED


def test_nav_links_follow_the_roles(app, trade):
    buyer_page = text(as_(app, trade.buyer).get("/"))
    assert 'data-testid="nav-negotiations"' in buyer_page
    assert 'data-testid="nav-payments"' not in buyer_page
    operator_page = text(as_(app, trade.operator).get("/"))
    assert 'data-testid="nav-payments"' in operator_page
    assert 'data-testid="nav-contracts"' not in operator_page


def test_the_list_of_contracts_is_for_buyers_and_vendors(app, trade):
    contract_id = agreed(app, trade)
    assert as_(app, trade.operator).get("/contracts").status_code == 403
    assert as_(app, trade.operator).get(f"/contracts/{contract_id}").status_code == 200
    assert app.test_client().get(f"/contracts/{contract_id}").status_code == 302  # to sign in


def test_negotiation_pages_render_in_chinese(app, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    client = as_(app, trade.vendor, in_english=False)
    for path in ("/negotiations", f"/negotiations/{negotiation_id}", "/contracts"):
        page = client.get(path)
        assert page.status_code == 200
        assert '<html lang="zh-CN">' in text(page)
    assert "请考虑我方报价。" in text(client.get(f"/negotiations/{negotiation_id}"))
