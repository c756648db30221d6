"""Security headers on every response the exchange sends, whatever sent it: pages, error pages,
static files, API answers and problems, downloads and the API's documentation page."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

# No inline script or style anywhere (the Swagger UI initialiser is a static file too); data:
# images only for the icons Bootstrap's stylesheet embeds; no framing, plugins or foreign bases.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# Download links carry a signed token in their URL: no page sends its address anywhere.
REFERRER_POLICY = "no-referrer"
HSTS = "max-age=31536000; includeSubDomains"

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers too old to read CSP
    "Referrer-Policy": REFERRER_POLICY,
}


def secure(response: Response) -> Response:
    """Set the headers; HSTS only over HTTPS, where a browser may hold the site to it."""
    response.headers.update(HEADERS)
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def init_security_headers(app: Flask) -> None:
    """Every response passes through `secure`, error handlers' answers included; behind the
    configured number of proxies, their X-Forwarded-* headers say whether the visitor used HTTPS
    (for HSTS) and from which address (for throttling), and nobody else's are believed."""
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    app.after_request(secure)
