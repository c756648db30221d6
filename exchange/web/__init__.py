"""Server-rendered pages, one blueprint per area."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app
from flask_babel import format_datetime
from flask_login import current_user

from exchange.domain.catalog import (
    DELIVERY_FORM_LABELS,
    GRADE_LABELS,
    LEGAL_BASIS_LABELS,
    LICENCE_KIND_LABELS,
    LISTING_STATUS_LABELS,
    PRODUCT_TYPE_LABELS,
    SENSITIVITY_LABELS,
    TERRITORY_LABELS,
    UPDATE_FREQUENCY_LABELS,
    USE_SCOPE_LABELS,
)
from exchange.domain.rights import (
    OBJECTION_STATUS_LABELS,
    RECORD_STATUS_LABELS,
    REGISTRATION_STATUS_LABELS,
    RIGHT_KIND_LABELS,
    RIGHT_KIND_SHORT_LABELS,
    RIGHT_SOURCE_LABELS,
)
from exchange.domain.vocabulary import REGIONS, ROLE_LABELS, VERIFICATION_LABELS, Role
from exchange.i18n import current_language, translate
from exchange.web.page_cache import init_page_cache
from exchange.web.trading import TRADING_LABELS

# The catalog's closed sets, by name, for labels and select options in templates.
CATALOG_LABELS = {
    "delivery_form_labels": DELIVERY_FORM_LABELS,
    "legal_basis_labels": LEGAL_BASIS_LABELS,
    "grade_labels": GRADE_LABELS,
    "licence_kind_labels": LICENCE_KIND_LABELS,
    "listing_status_labels": LISTING_STATUS_LABELS,
    "product_type_labels": PRODUCT_TYPE_LABELS,
    "sensitivity_labels": SENSITIVITY_LABELS,
    "territory_labels": TERRITORY_LABELS,
    "update_frequency_labels": UPDATE_FREQUENCY_LABELS,
    "use_scope_labels": USE_SCOPE_LABELS,
}
# The rights registry's closed sets, likewise.
RIGHTS_LABELS = {
    "right_kind_labels": RIGHT_KIND_LABELS,
    "right_kind_short_labels": RIGHT_KIND_SHORT_LABELS,
    "right_source_labels": RIGHT_SOURCE_LABELS,
    "registration_status_labels": REGISTRATION_STATUS_LABELS,
    "record_status_labels": RECORD_STATUS_LABELS,
    "objection_status_labels": OBJECTION_STATUS_LABELS,
}


def local_time(moment: datetime) -> str:
    """A moment as the exchange's users read it: in the exchange's time zone, to the minute."""
    return format_datetime(moment, "yyyy-MM-dd HH:mm")


def choices(labels: dict[Any, str]) -> list[tuple[str, str]]:
    """Select options from a label dict: (value, translated label), in the dict's order."""
    return [(str(value), translate(label)) for value, label in labels.items()]


def navigation() -> dict[str, Any]:
    """What the navigation bar offers this visitor: only what their roles may do."""
    if not current_user.is_authenticated:
        return {"signed_in": False}
    actor = current_user.actor
    return {
        "signed_in": True,
        "display_name": actor.display_name,
        "memberships": actor.memberships,
        "is_vendor": actor.has_role(Role.VENDOR),
        "is_buyer": actor.has_role(Role.BUYER),
        "buying_for": [m.organisation_id for m in actor.memberships if Role.BUYER in m.roles],
        "is_operator": actor.has_role(Role.OPERATOR),
        "is_regulator": actor.has_role(Role.REGULATOR),
    }


def init_web(app: Flask) -> None:
    """Register the page blueprints and what every template can read."""
    from exchange.web import (
        account,
        auth,
        catalog,
        contracts,
        ledger,
        main,
        negotiations,
        operator,
        organisations,
        oversight,
        review,
        rights,
        valuations,
        vendor,
    )

    blueprints = (main, auth, account, organisations, operator, ledger, catalog, vendor, review)
    for module in (*blueprints, valuations, rights, negotiations, contracts, oversight):
        app.register_blueprint(module.bp)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals.update(
        CATALOG_LABELS,
        **RIGHTS_LABELS,
        **TRADING_LABELS,
        choices=choices,
        quality_labels=catalog.QUALITY_LABELS,
        field_type_labels=catalog.FIELD_TYPE_LABELS,
        valuation_approaches=valuations.APPROACHES,
        valuation_purposes=valuations.PURPOSES,
    )

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "nav": navigation(),
            "current_locale": current_language(),
            "languages": current_app.config["LANGUAGES"],
            "region_labels": REGIONS,
            "role_labels": ROLE_LABELS,
            "verification_labels": VERIFICATION_LABELS,
            "region_choices": [(code, translate(label)) for code, label in REGIONS.items()],
            "self_service_roles": [
                (role.value, translate(ROLE_LABELS[role])) for role in (Role.VENDOR, Role.BUYER)
            ],
            "all_roles": [(role.value, translate(label)) for role, label in ROLE_LABELS.items()],
        }

    init_page_cache(app)
