"""What each kind of alert keeps as its evidence, one shape per kind, as stored in its JSON."""

from __future__ import annotations

from typing import TypedDict

from exchange.accounts.names import PartyName
from exchange.delivery.fingerprint import MarkEvidence


class TradeEvidence(TypedDict):
    """A contract as evidence: enough to find it and to see what was traded between whom."""

    id: int
    number: str
    product_id: int
    vendor_id: int
    buyer_id: int
    price: str
    paid_at: str


class BandSource(TypedDict):
    """Which valuation a trade's price was judged against, and where its band came from."""

    valuation_id: int
    purpose: str
    source: str


class JudgedBand(BandSource):
    """The band a trade's price was judged against, its edges as text."""

    floor: str
    reference: str
    ceiling: str


class PriceDeviationEvidence(TypedDict):
    """A trade priced further outside its band than the threshold allows, and by how much."""

    contract: TradeEvidence
    band: JudgedBand
    deviation: str
    threshold: str


class CircularTradeEvidence(TypedDict):
    """A sale and the sale back between the same two organisations, and how far apart."""

    first: TradeEvidence
    second: TradeEvidence
    same_product: bool
    gap_seconds: int
    window_days: float


class RelatedPartiesEvidence(TypedDict):
    """A trade between organisations that are one, or share a member, an email or a phone."""

    contract: TradeEvidence
    same_organisation: bool
    shared_member_user_ids: list[int]
    same_contact_email: bool
    same_contact_phone: bool


class PurchaseBurstEvidence(TypedDict):
    """A buyer's purchases within one window, more than the threshold allows."""

    buyer_id: int
    count: int
    threshold: int
    window_seconds: float
    window_start: str
    window_end: str
    contracts: list[TradeEvidence]


class DownloadBurstEvidence(TypedDict):
    """A buyer's downloads within one window, more than the threshold allows."""

    buyer_id: int
    count: int
    threshold: int
    window_seconds: float
    window_start: str
    window_end: str
    entitlement_ids: list[int]
    user_ids: list[int]
    download_ids: list[int]


class ImportantProduct(TypedDict):
    """The product graded important data that a trade sold."""

    id: int
    title_zh: str
    title_en: str
    grade: str


class ImportantDataEvidence(TypedDict):
    """A trade of a product graded important data."""

    contract: TradeEvidence
    product: ImportantProduct


class LeakedFile(TypedDict):
    """The suspect copy as uploaded: its name, digest and size."""

    name: str
    sha256: str
    size_bytes: int


class LeakedContract(TypedDict):
    """The contract under which the leaked copy was delivered."""

    id: int
    number: str
    status: str


class LeakedDownload(TypedDict):
    """One download of the entitlement the copy's marks name."""

    id: int
    user_id: int | None
    version: int
    fingerprint: str
    at: str
    client_address: str | None


class LeakEvidence(TypedDict):
    """A suspect copy traced to an entitlement: its buyer and vendor, the marks, the downloads."""

    file: LeakedFile
    entitlement_id: int
    product_id: int
    contract: LeakedContract
    buyer: PartyName | None
    vendor: PartyName | None
    score: float
    confidence: float
    marks: MarkEvidence[int]
    downloads: list[LeakedDownload]


# An alert's evidence: which shape is told by the alert's kind, kept beside it.
Evidence = (
    PriceDeviationEvidence
    | CircularTradeEvidence
    | RelatedPartiesEvidence
    | PurchaseBurstEvidence
    | DownloadBurstEvidence
    | ImportantDataEvidence
    | LeakEvidence
)
