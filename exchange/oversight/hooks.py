"""Oversight's request hook: what a regulator reads outside the portal goes in the audit log."""

from __future__ import annotations

from flask import Response, current_app, g, request
from flask_login import current_user

# The portal's own views are audited by their services, with what was asked; assets, the home
# page and one's own account show nothing supervised.
SELF_AUDITED = (
    "/oversight",
    "/api/v1/oversight",
    "/review",
    "/api/v1/review-queue",
    "/static/",
    "/bootstrap/",
    "/healthz",
)
NOTHING_SUPERVISED = ("/account", "/sign-in", "/sign-out", "/language", "/api/v1/me", "/api/docs")


def audit_regulator_reads(response: Response) -> Response:
    """Every page or API answer a regulator reads elsewhere (the ledger, the review queue, the
    catalog, organisations) goes in the audit log too, so the log holds all they saw."""
    if request.method not in ("GET", "HEAD") or response.status_code >= 400:
        return response
    path = request.path
    if path == "/" or path.startswith(SELF_AUDITED) or path.startswith(NOTHING_SUPERVISED):
        return response
    from exchange.extensions import db
    from exchange.kernel import audit
    from exchange.kernel.vocabulary import Role

    actor = g.get("bearer_actor") or (current_user.actor if current_user.is_authenticated else None)
    if actor is None or not actor.has_role(Role.REGULATOR):
        return response
    try:
        db.session.rollback()  # a read leaves nothing pending; record the view on its own
        audit.record(
            db.session(),
            "oversight.page_viewed",
            actor=actor,
            subject=path[:200],
            query=request.query_string.decode("utf-8", "replace")[:500],
            status=response.status_code,
        )
        db.session.commit()
    except Exception:  # noqa: BLE001 - the answer is already made; say so in the log
        db.session.rollback()
        current_app.logger.exception("could not audit a regulator's view of %s", path)
    return response
