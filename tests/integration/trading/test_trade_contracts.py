"""Contracts and signatures through their services, on SQLite and PostgreSQL: drafting on
acceptance, the canonical hash and texts, the rights check, exchange-held keys and own
addresses, and every refusal leaving nothing stored."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contracts import signing
from exchange.extensions import db
from exchange.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from exchange.kernel.vocabulary import Role
from exchange.rights.transfers import RightsNotHeld
from exchange.trading import contracts as trade_contracts
from exchange.trading import negotiation_reading, signing_keys
from exchange.trading.domain import ContractStatus, KeySource, Side
from exchange.trading.models import ContractSignature, OrganisationKey, TradeContract
from tests.catalog import person
from tests.trading import (
    accept,
    act,
    agreed_contract,
    domain,
    ledger_bodies,
    market,
    propose,
    sign,
    terms,
)


def contract_row(app, contract_id):
    with app.app_context():
        row = db.session.get(TradeContract, contract_id)
        db.session.expunge(row)
        db.session.remove()
    return row


def signature_count(app):
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(ContractSignature))
        db.session.remove()
    return count


def view(app, who, contract_id):
    return act(app, who, trade_contracts.contract_view, contract_id, domain=domain())


def typed(app, who, contract_id):
    return act(
        app,
        who,
        signing_keys.typed_data_for,
        contract_id,
        domain(),
        master_key=app.config["MASTER_KEY"],
    )


def submit(app, who, contract_id, signature):
    return act(
        app,
        who,
        signing_keys.submit_signature,
        contract_id,
        signature,
        domain=domain(),
        master_key=app.config["MASTER_KEY"],
    )


def message_of(data):
    """The signing module's contract from the typed data an organisation receives."""
    message = data["message"]
    return signing.TradeContract(
        contract_id=message["contractId"],
        contract_hash=bytes.fromhex(message["contractHash"][2:]),
        vendor=message["vendor"],
        buyer=message["buyer"],
        price_fen=message["priceFen"],
        currency=message["currency"],
        signed_at=message["signedAt"],
    )


def test_accepting_drafts_a_contract_awaiting_signatures(app, client):
    trade, contract_id = agreed_contract(app, client, price=Decimal("10000.00"))
    contract = contract_row(app, contract_id)
    assert contract.status == ContractStatus.AWAITING_SIGNATURES
    assert contract.number == f"GTC-{contract.created_at.year}-{contract_id:06d}"
    assert contract.fee_rate == Decimal("0.0300")
    assert contract.signed_at_unix == int(contract.created_at.timestamp())


def test_the_canonical_json_hashes_to_the_contract_hash(app, client):
    trade, contract_id = agreed_contract(app, client)
    contract = contract_row(app, contract_id)
    assert hashlib.sha256(contract.canonical.encode()).hexdigest() == contract.contract_hash
    facts = json.loads(contract.canonical)
    assert facts["price"] == "10000.00" and facts["currency"] == "CNY"
    assert facts["fee"] == "300.00" and facts["fee_rate"] == "0.0300"
    assert facts["vendor"]["id"] == trade.vendor.organisation_id
    assert len(facts["buyer"]["credit_code"]) == 18
    assert facts["terms"]["scope"] == "internal" and facts["terms"]["term_months"] == 12
    assert facts["product"]["id"] == trade.product_id
    assert facts["offer"]["id"] == trade.offer_id


def test_both_texts_carry_the_key_terms(app, client):
    trade, contract_id = agreed_contract(app, client, seats=7, exclusive=True)
    contract = contract_row(app, contract_id)
    facts = json.loads(contract.canonical)
    for text in (contract.text_zh, contract.text_en):
        assert contract.number in text
        assert contract.contract_hash in text
        assert "10000.00" in text and "300.00" in text
        assert facts["vendor"]["credit_code"] in text and facts["buyer"]["credit_code"] in text
        assert facts["terms"]["ends_on"] in text
    assert facts["vendor"]["name_zh"] in contract.text_zh
    assert "独占许可" in contract.text_zh and "7 个" in contract.text_zh
    assert "exclusive licence" in contract.text_en and "Seats: 7" in contract.text_en
    assert "中华人民共和国法律" in contract.text_zh
    assert "laws of the People's Republic of China" in contract.text_en


def test_the_contract_goes_to_the_ledger(app, client):
    trade, contract_id = agreed_contract(app, client)
    contract = contract_row(app, contract_id)
    [entry] = ledger_bodies(app, "trade.contract")
    assert entry["number"] == contract.number
    assert entry["contract_hash"] == contract.contract_hash
    assert entry["price"] == "10000.00"
    assert {entry["vendor_id"], entry["buyer_id"]} == {
        trade.vendor.organisation_id,
        trade.buyer.organisation_id,
    }


def test_a_vendor_without_the_operation_right_cannot_contract(app, client):
    trade = market(app, client, certified=False)
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    with pytest.raises(RightsNotHeld) as refused:
        accept(app, trade.vendor, negotiation_id)
    assert refused.value.status == 409
    assert contract_row_count(app) == 0
    still = act(app, trade.buyer, negotiation_reading.negotiation_view, negotiation_id)
    assert still["status"] == "open"
    assert ledger_bodies(app, "trade.negotiation") == []


def contract_row_count(app):
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(TradeContract))
        db.session.remove()
    return count


def test_both_sides_sign_with_exchange_keys(app, client):
    trade, contract_id = agreed_contract(app, client)
    first = sign(app, trade.buyer, contract_id)
    assert first["status"] == ContractStatus.AWAITING_SIGNATURES
    second = sign(app, trade.vendor, contract_id)
    assert second["status"] == ContractStatus.AWAITING_PAYMENT
    shown = view(app, trade.buyer, contract_id)
    assert [(s["side"], s["verifies"]) for s in shown["signatures"]] == [
        (Side.BUYER, True),
        (Side.VENDOR, True),
    ]
    entries = ledger_bodies(app, "trade.signature")
    assert [e["side"] for e in entries] == ["buyer", "vendor"]
    assert entries[0]["signature"] == first["signature"]
    assert entries[0]["contract_hash"] == shown["contract_hash"]


def test_signing_twice_is_refused(app, client):
    trade, contract_id = agreed_contract(app, client)
    sign(app, trade.buyer, contract_id)
    with pytest.raises(Conflict):
        sign(app, trade.buyer, contract_id)
    assert signature_count(app) == 1


def test_a_non_member_cannot_sign(app, client):
    trade, contract_id = agreed_contract(app, client)
    stranger = person(app, [Role.BUYER, Role.VENDOR])
    with pytest.raises(NotFound):
        sign(app, stranger, contract_id)
    with pytest.raises(NotFound):
        view(app, stranger, contract_id)
    assert signature_count(app) == 0


def test_a_member_without_the_sides_role_cannot_sign(app, client):
    trade, contract_id = agreed_contract(app, client)
    clerk = person(app, [Role.VENDOR], organisation_id=trade.buyer.organisation_id)
    with pytest.raises(PermissionDenied):
        sign(app, clerk, contract_id)


def test_supervisors_see_the_contract(app, client):
    trade, contract_id = agreed_contract(app, client)
    assert view(app, trade.operator, contract_id)["id"] == contract_id


def test_the_key_at_rest_is_sealed_not_raw(app, client):
    trade, contract_id = agreed_contract(app, client)
    sign(app, trade.vendor, contract_id)
    with app.app_context():
        key = db.session.scalar(
            select(OrganisationKey).where(
                OrganisationKey.organisation_id == trade.vendor.organisation_id
            )
        )
        db.session.remove()
    assert key.source == KeySource.EXCHANGE
    master = app.config["MASTER_KEY"]
    raw = signing_keys.open_key(master, key.organisation_id, key.address, key.encrypted_key)
    assert signing.address_of(raw) == key.address
    assert raw not in key.encrypted_key and raw.hex().encode() not in key.encrypted_key
    with pytest.raises(signing_keys.SealedKeyUnreadable):
        signing_keys.open_key(
            "another master key", key.organisation_id, key.address, key.encrypted_key
        )


def test_an_own_address_and_its_external_signature_are_accepted(app, client):
    trade, contract_id = agreed_contract(app, client)
    private_key, address = signing.new_signing_key()
    act(app, trade.buyer, signing_keys.register_address, trade.buyer.organisation_id, address)
    data = typed(app, trade.buyer, contract_id)
    assert data["message"]["buyer"] == address
    signature = signing.sign(domain(), message_of(data), private_key)
    stored = submit(app, trade.buyer, contract_id, signature)
    assert stored["address"] == address
    sign(app, trade.vendor, contract_id)
    shown = view(app, trade.vendor, contract_id)
    assert shown["status"] == ContractStatus.AWAITING_PAYMENT
    assert all(s["verifies"] for s in shown["signatures"])


def test_a_wrong_signature_is_refused_and_nothing_stored(app, client):
    trade, contract_id = agreed_contract(app, client)
    _, address = signing.new_signing_key()
    act(app, trade.buyer, signing_keys.register_address, trade.buyer.organisation_id, address)
    other_key, _ = signing.new_signing_key()
    forged = signing.sign(domain(), message_of(typed(app, trade.buyer, contract_id)), other_key)
    before = len(ledger_bodies(app, "trade.signature"))
    for bad in (forged, "0x1234"):
        with pytest.raises(ValidationFailed) as refused:
            submit(app, trade.buyer, contract_id, bad)
        assert refused.value.status == 422
    assert signature_count(app) == 0
    assert len(ledger_bodies(app, "trade.signature")) == before


def test_an_exchange_keyed_organisation_cannot_submit_and_an_own_one_cannot_use_the_exchange(
    app, client
):
    trade, contract_id = agreed_contract(app, client)
    with pytest.raises(Conflict):
        submit(app, trade.vendor, contract_id, "0x" + "11" * 65)
    _, address = signing.new_signing_key()
    act(app, trade.buyer, signing_keys.register_address, trade.buyer.organisation_id, address)
    with pytest.raises(Conflict):
        sign(app, trade.buyer, contract_id)


def test_an_address_cannot_change_while_a_contract_is_half_signed(app, client):
    trade, contract_id = agreed_contract(app, client)
    sign(app, trade.vendor, contract_id)
    _, address = signing.new_signing_key()
    with pytest.raises(Conflict):
        act(app, trade.buyer, signing_keys.register_address, trade.buyer.organisation_id, address)


def test_only_an_organisations_admin_registers_its_address(app, client):
    trade = market(app, client)
    _, address = signing.new_signing_key()
    with pytest.raises(NotFound):
        act(app, trade.buyer, signing_keys.register_address, trade.vendor.organisation_id, address)
    with pytest.raises(ValidationFailed):
        act(app, trade.buyer, signing_keys.register_address, trade.buyer.organisation_id, "0x12")


def test_the_signing_domain_refuses_the_zero_address():
    with pytest.raises(ValueError):
        signing_keys.signing_domain(1, "0x" + "0" * 40)


def test_the_signing_domain_is_the_deployment_and_needs_no_live_node(app):
    from contracts.chain import RpcChain
    from exchange.trading.extension import signing_domain
    from tests.integration.chains import free_port

    with app.app_context():
        deployed = signing_domain(app)  # deploys on the embedded chain and records it
        assert deployed == signing_keys.deployed_signing_domain(db.session)
        app.extensions["chain"] = RpcChain(
            f"http://127.0.0.1:{free_port()}", "0x" + "11" * 32, timeout=2
        )
        assert signing_domain(app) == deployed  # resolved once per process
        del app.extensions["signing_domain"]
        assert signing_domain(app) == deployed  # the node is down: the recorded deployment
        assert "signing_domain" not in app.extensions  # asked again once the node is back
        db.session.remove()


def test_terms_of_the_last_proposal_are_what_is_signed(app, client):
    trade = market(app, client)
    negotiation_id = propose(app, trade.buyer, trade.offer_id, terms(price=Decimal("9000.00")))
    contract_id = accept(app, trade.vendor, negotiation_id)
    data = typed(app, trade.vendor, contract_id)
    assert data["message"]["priceFen"] == 900000
    assert data["message"]["contractHash"] == "0x" + contract_row(app, contract_id).contract_hash
