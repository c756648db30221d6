"""Server-rendered pages: what every template reads (navigation, language, labels, dates)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, current_app
from flask_babel import format_datetime
from flask_login import current_user

from exchange.http.i18n import current_language, translate
from exchange.http.page_cache import init_page_cache
from exchange.kernel.vocabulary import REGIONS, ROLE_LABELS, VERIFICATION_LABELS, Role


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


def init_pages(
    app: Flask, blueprints: Sequence[Blueprint], template_globals: Mapping[str, Any]
) -> None:
    """Register the capabilities' page blueprints and what every template can read."""
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals.update(template_globals, choices=choices)

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
