"""The public catalog: boards with their counts, a faceted and searchable list, a product page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, selectinload

from exchange.accounts.models import Organisation
from exchange.catalog.domain import Grade, ListingStatus, ProductType, UpdateFrequency
from exchange.catalog.models import DataProduct, IndustryBoard, ProductRegion
from exchange.catalog.search import apply_search
from exchange.kernel.caching import TtlCache
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role

AnySelect = Select[*tuple[Any, ...]]
SORTS = ("relevance", "newest", "price_asc", "price_desc")
MAX_PER_PAGE = 100
# Who may see a product that is not (or no longer) listed, besides its vendor's members.
SUPERVISORS = (Role.OPERATOR, Role.REGULATOR)


@dataclass(frozen=True)
class CatalogQuery:
    """What a buyer asks the catalog: words, facets, an order and a page."""

    q: str | None = None
    board: str | None = None
    grade: Grade | None = None
    product_type: ProductType | None = None
    region: str | None = None
    update_frequency: UpdateFrequency | None = None
    dcmm_min: int | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    facets: tuple[str, ...] = field(
        default=("board", "grade", "product_type", "region", "update_frequency", "dcmm_level")
    )


class BoardView(TypedDict):
    """An industry board or sector as a catalog names it."""

    code: str
    name_zh: str
    name_en: str
    kind: str


class BoardCount(BoardView):
    """A board with how many listed products it holds."""

    count: int


class VendorCard(TypedDict):
    """An organisation as named beside what it offers or holds."""

    id: int
    name_zh: str
    name_en: str
    region: str
    dcmm_level: int | None


class ProductCard(TypedDict):
    """What a catalog card shows of a product."""

    id: int
    title_zh: str
    title_en: str
    summary_zh: str
    summary_en: str
    board: BoardView
    product_type: ProductType
    grade: Grade
    update_frequency: UpdateFrequency
    regions: list[str]
    tags: list[str]
    min_price: Decimal | None
    status: ListingStatus
    listed_at: datetime | None
    latest_version: int
    vendor: VendorCard


class ReviewCard(ProductCard):
    """A product awaiting review, with the grade's justification and its last change."""

    grade_justification: str
    updated_at: datetime


class VendorProductCard(ProductCard):
    """A vendor's own product on the dashboard, with its views and last change."""

    view_count: int
    updated_at: datetime


class CatalogPage(TypedDict):
    """One page of the catalog with its total and facet counts."""

    items: list[ProductCard]
    total: int
    page: int
    per_page: int
    pages: int
    facets: dict[str, dict[str, int]]


def list_boards(uow: UnitOfWork) -> list[BoardCount]:
    """Every board and sector with how many listed products it holds, in the plan's order."""
    counts = dict(
        uow.session.execute(
            select(DataProduct.board_id, func.count())
            .where(DataProduct.status == ListingStatus.LISTED)
            .group_by(DataProduct.board_id)
        ).all()
    )
    boards = uow.session.scalars(select(IndustryBoard).order_by(IndustryBoard.position))
    return [BoardCount(**_board(board), count=counts.get(board.id, 0)) for board in boards]


def _board(board: IndustryBoard) -> BoardView:
    return BoardView(code=board.code, name_zh=board.name_zh, name_en=board.name_en, kind=board.kind)


def _filtered(session: Session, query: CatalogQuery, statement: AnySelect) -> tuple[AnySelect, Any]:
    """The statement (products by default) restricted to listed products matching the query.

    Filters are plain conditions on data_products (and the full-text join), so the same
    restriction serves the page of products, the total and every facet count.
    """
    statement = statement.where(DataProduct.status == ListingStatus.LISTED)
    rank: ColumnElement[float] | None = None
    if query.q and query.q.strip():
        statement, rank = apply_search(session, statement, query.q)
    if query.board:
        statement = statement.where(
            DataProduct.board_id
            == select(IndustryBoard.id).where(IndustryBoard.code == query.board).scalar_subquery()
        )
    if query.grade:
        statement = statement.where(DataProduct.grade == query.grade)
    if query.product_type:
        statement = statement.where(DataProduct.product_type == query.product_type)
    if query.update_frequency:
        statement = statement.where(DataProduct.update_frequency == query.update_frequency)
    if query.region:
        statement = statement.where(
            DataProduct.id.in_(
                select(ProductRegion.product_id).where(ProductRegion.region == query.region)
            )
        )
    if query.dcmm_min:
        statement = statement.where(
            DataProduct.vendor_id.in_(
                select(Organisation.id).where(Organisation.dcmm_level >= query.dcmm_min)
            )
        )
    if query.price_min is not None:
        statement = statement.where(DataProduct.min_price >= query.price_min)
    if query.price_max is not None:
        statement = statement.where(DataProduct.min_price <= query.price_max)
    return statement, rank


def _ordered(statement: Select[Any], sort: str, rank: Any) -> Select[Any]:
    newest = (DataProduct.listed_at.desc(), DataProduct.id.desc())
    if sort == "price_asc":
        return statement.order_by(DataProduct.min_price.asc(), DataProduct.id)
    if sort == "price_desc":
        return statement.order_by(DataProduct.min_price.desc(), DataProduct.id)
    if sort == "relevance" and rank is not None:
        return statement.order_by(rank.desc(), *newest)
    return statement.order_by(*newest)


def browse(
    uow: UnitOfWork, query: CatalogQuery, cache: TtlCache[CatalogPage] | None = None
) -> CatalogPage:
    """One page of listed products matching the query, with the total and the facet counts;
    from the cache when the same query was answered moments ago."""
    if cache is not None:
        return cache.get_or_compute(query, lambda: _browse(uow, query))
    return _browse(uow, query)


def _browse(uow: UnitOfWork, query: CatalogQuery) -> CatalogPage:
    session = uow.session
    statement, rank = _filtered(session, query, select(DataProduct))
    page_rows = session.scalars(
        _ordered(statement, query.sort, rank)
        .options(selectinload(DataProduct.regions), selectinload(DataProduct.board))
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
    ).all()
    vendors = vendor_cards(session, {row.vendor_id for row in page_rows})
    facets, total = _facets(session, query)
    return CatalogPage(
        items=[summary(row, vendors[row.vendor_id]) for row in page_rows],
        total=total,
        page=query.page,
        per_page=query.per_page,
        pages=max(1, -(-total // query.per_page)),
        facets={name: counts for name, counts in facets.items() if name in query.facets},
    )


FACET_COLUMNS = ("board", "grade", "product_type", "update_frequency", "dcmm_level")


def _facets(session: Session, query: CatalogQuery) -> tuple[dict[str, dict[str, int]], int]:
    """Facet counts over the matching products: one grouped scan (the facets index covers it),
    plus one for regions, which a product can have several of."""
    columns = (
        DataProduct.board_id,
        DataProduct.grade,
        DataProduct.product_type,
        DataProduct.update_frequency,
        DataProduct.vendor_id,
    )
    grouped, _ = _filtered(session, query, select(*columns, func.count()))
    rows = session.execute(grouped.group_by(*columns)).all()
    boards = dict(session.execute(select(IndustryBoard.id, IndustryBoard.code)).all())
    vendor_ids = {row[4] for row in rows}
    levels = dict(
        session.execute(
            select(Organisation.id, Organisation.dcmm_level).where(Organisation.id.in_(vendor_ids))
        ).all()
        if vendor_ids
        else []
    )
    facets: dict[str, dict[str, int]] = {name: {} for name in (*FACET_COLUMNS, "region")}
    total = 0
    for board_id, grade, product_type, frequency, vendor_id, count in rows:
        total += count
        level = levels.get(vendor_id)
        values = (boards[board_id], grade.value, product_type.value, frequency.value, level)
        for name, value in zip(FACET_COLUMNS, values, strict=True):
            if value is not None:
                facets[name][str(value)] = facets[name].get(str(value), 0) + count
    if "region" in query.facets and total:
        by_region: AnySelect = select(ProductRegion.region, func.count()).join(
            DataProduct, DataProduct.id == ProductRegion.product_id
        )
        regions, _ = _filtered(session, query, by_region)
        facets["region"] = dict(session.execute(regions.group_by(ProductRegion.region)).all())
    return facets, total


def vendor_cards(session: Session, ids: set[int]) -> dict[int, VendorCard]:
    """The cards of these organisations, by id (one query)."""
    if not ids:
        return {}
    rows = session.scalars(select(Organisation).where(Organisation.id.in_(ids)))
    return {
        org.id: VendorCard(
            id=org.id,
            name_zh=org.name_zh,
            name_en=org.name_en,
            region=org.region,
            dcmm_level=org.dcmm_level,
        )
        for org in rows
    }


def summary(product: DataProduct, vendor: VendorCard) -> ProductCard:
    """A product's catalog card."""
    return ProductCard(
        id=product.id,
        title_zh=product.title_zh,
        title_en=product.title_en,
        summary_zh=product.summary_zh,
        summary_en=product.summary_en,
        board=_board(product.board),
        product_type=product.product_type,
        grade=product.grade,
        update_frequency=product.update_frequency,
        regions=[r.region for r in product.regions],
        tags=list(product.tags),
        min_price=product.min_price,
        status=product.status,
        listed_at=product.listed_at,
        latest_version=product.latest_version,
        vendor=vendor,
    )


def review_items(session: Session, statuses: list[ListingStatus]) -> list[ReviewCard]:
    """Products in the given statuses, oldest change first, as catalog cards."""
    rows = session.scalars(
        select(DataProduct)
        .where(DataProduct.status.in_(statuses))
        .options(selectinload(DataProduct.regions), selectinload(DataProduct.board))
        .order_by(DataProduct.updated_at, DataProduct.id)
    ).all()
    vendors = vendor_cards(session, {row.vendor_id for row in rows})
    return [
        ReviewCard(
            **summary(row, vendors[row.vendor_id]),
            grade_justification=row.grade_justification,
            updated_at=row.updated_at,
        )
        for row in rows
    ]


def vendor_products(session: Session, vendor_ids: list[int]) -> list[VendorProductCard]:
    """Every product of the vendors, newest change first, with its views."""
    rows = session.scalars(
        select(DataProduct)
        .where(DataProduct.vendor_id.in_(vendor_ids))
        .options(selectinload(DataProduct.regions), selectinload(DataProduct.board))
        .order_by(DataProduct.updated_at.desc(), DataProduct.id.desc())
    ).all()
    vendors = vendor_cards(session, set(vendor_ids))
    return [
        VendorProductCard(
            **summary(row, vendors[row.vendor_id]),
            view_count=row.view_count,
            updated_at=row.updated_at,
        )
        for row in rows
    ]
