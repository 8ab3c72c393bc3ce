"""Security headers, set by the app (not the proxy) so tests can assert them."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, request

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

STATIC_CACHEABLE = frozenset({200, 206, 304})  # an asset, a range of it, or "unchanged"


def same_site_location(location: str, host: str) -> str:
    """A Location on this site as a path: werkzeug's routing redirects (a doubled slash, a missing
    trailing slash) are absolute URLs built from the request's Host header and the scheme of the
    last hop (http behind the TLS proxy), so a forged Host would send the visitor elsewhere."""
    parts = urlsplit(location)
    if not parts.netloc and parts.scheme not in ("http", "https"):
        return location  # a path already
    # A Host header werkzeug cannot make a netloc of ("a@b", "b#", "b/@c") leaves it empty:
    # "http:///review/", which a browser reads as the host "review". Such a URL is this site's too.
    if parts.netloc and parts.netloc.lower() != host.lower():
        return location
    path = "/" + parts.path.lstrip("/")  # never "//elsewhere": that would name another host
    return urlunsplit(("", "", path, parts.query, parts.fragment))


def init_app(app: Flask) -> None:
    @app.after_request
    def _set_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        # Nothing a family or reviewer sees may linger in a shared computer's cache; static assets may,
        # but not a static answer that is not the asset (a 404 or 416 page, in the visitor's language).
        if request.endpoint != "static" or response.status_code not in STATIC_CACHEABLE:
            response.headers["Cache-Control"] = "no-store"
        if "Location" in response.headers:
            response.headers["Location"] = same_site_location(response.headers["Location"], request.host)
        return response
