"""`flask demo seed` opens the exchange on a living catalog, built through the services; a
load that was interrupted completes when run again."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from demo import DEMO_PRODUCTS
from demo.catalog import begin_product, load_demo_catalog
from demo.organisations import load_demo_data
from demo.rights import load_demo_rights, on_notice, register
from exchange.catalog.domain import ListingStatus
from exchange.catalog.extension import data_files
from exchange.catalog.models import DataProduct, ListingTransition, ProductVersion
from exchange.extensions import db
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.rights.domain import ObjectionStatus, RegistrationStatus
from exchange.rights.extension import rights_settings
from exchange.rights.models import RightsCertificate, RightsObjection, RightsRegistration
from tests.api.helpers import english_client


def test_demo_catalog_is_alive_searchable_masked_and_loads_once(app):
    # One load per backend (about ten seconds): each check below reads the same catalog.
    with app.app_context():
        load_demo_data(UnitOfWork(db.session))
        # A load killed right after a listed product's first step: a draft with one version.
        cut = next(p for p in DEMO_PRODUCTS if p.status == ListingStatus.LISTED and p.versions > 1)
        begin_product(UnitOfWork(db.session), cut, data_files())
        assert load_demo_catalog(UnitOfWork(db.session), data_files()) == len(DEMO_PRODUCTS) - 1
        assert (
            db.session.scalar(
                select(DataProduct.status).where(DataProduct.title_zh == cut.title_zh)
            )
            == ListingStatus.LISTED
        )
        statuses = Counter(db.session.scalars(select(DataProduct.status)))
        versions = db.session.scalar(select(func.count()).select_from(ProductVersion))
        transitions = db.session.scalar(select(func.count()).select_from(ListingTransition))

    # At least 60 listed products on at least 8 boards, and the review queues have work.
    assert statuses[ListingStatus.LISTED] >= 60
    assert statuses[ListingStatus.SUBMITTED] and statuses[ListingStatus.IN_REVIEW]
    assert versions == sum(p.versions for p in DEMO_PRODUCTS)
    client = english_client(app)
    boards = client.get("/api/v1/boards").get_json()
    assert sum(b["count"] > 0 for b in boards) >= 8
    assert sum(b["count"] for b in boards) == statuses[ListingStatus.LISTED]

    # The Chinese queries find the right products, best match first.
    for query, word in (("铜", "铜"), ("碳酸锂", "碳酸锂"), ("能耗", "能耗")):
        found = client.get("/api/v1/products", query_string={"q": query}).get_json()
        assert found["total"] >= 3, query
        assert word in found["items"][0]["title_zh"] + found["items"][0]["summary_zh"]

    # Products with personal columns show only masked values.
    personal = [p for p in DEMO_PRODUCTS if any(f.personal for f in p.fields)]
    listed = next(p for p in personal if p.status == ListingStatus.LISTED)
    hit = client.get("/api/v1/products", query_string={"q": listed.title_zh}).get_json()
    page = client.get(f"/api/v1/products/{hit['items'][0]['id']}").get_json()
    columns = {f["name"]: f for f in page["latest"]["fields"]}
    flagged = [name for name, f in columns.items() if f["personal"]]
    assert flagged
    index = page["latest"]["sample"]["columns"].index(flagged[0])
    assert all("*" in str(row[index]) for row in page["latest"]["sample"]["rows"] if row[index])

    # Loading again adds nothing.
    with app.app_context():
        assert load_demo_catalog(UnitOfWork(db.session), data_files()) == 0
        again = db.session.scalar(select(func.count()).select_from(ListingTransition))
    assert again == transitions

    # Every listed product's rights are registered: most certified, a few still on notice, one
    # of them with an objection waiting for the operator. The load below completes one killed
    # after applying for every product, before certifying any or objecting.
    with app.app_context():
        setup = rights_settings()
        listed = db.session.scalars(
            select(DataProduct)
            .where(DataProduct.status == ListingStatus.LISTED)
            .order_by(DataProduct.id)
        ).all()
        noticed = on_notice(listed)
        for product in listed:
            register(
                UnitOfWork(db.session),
                product,
                data_files(),
                notice_seconds=3600 if product.id in noticed else 0,
                max_document_bytes=setup.max_document_bytes,
            )
        load = lambda: load_demo_rights(  # noqa: E731 - the same call twice
            UnitOfWork(db.session),
            data_files(),
            setup.signer,
            notice_seconds=3600,
            max_document_bytes=setup.max_document_bytes,
        )
        assert load() == 0
        registrations = Counter(db.session.scalars(select(RightsRegistration.status)))
        objections = db.session.scalars(select(RightsObjection.status)).all()
        certificates = db.session.scalar(select(func.count()).select_from(RightsCertificate))
        assert load() == 0
    assert registrations == {
        RegistrationStatus.CERTIFIED: statuses[ListingStatus.LISTED] - 3,
        RegistrationStatus.NOTICE: 3,
    }
    assert certificates == registrations[RegistrationStatus.CERTIFIED]
    assert objections == [ObjectionStatus.OPEN]
    board = client.get("/api/v1/boards")  # the catalog still answers after the rights load
    assert board.status_code == 200
