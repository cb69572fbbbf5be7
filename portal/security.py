"""Response hardening and the one way untrusted harvested text becomes HTML.

Harvested titles, descriptions and links come from thousands of other people's systems, so:
Jinja autoescaping for all text; `markdown` (markdown-it with raw HTML off, then nh3) for descriptions;
`safe_href` so only http(s)/ftp/mailto links become clickable; and a strict Content-Security-Policy
with no inline script or style. JSON-LD <script> blocks are data, given a per-response nonce.
"""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from urllib.parse import urlsplit

import nh3
from flask import Flask, Response, current_app, g
from markdown_it import MarkdownIt
from markupsafe import Markup

SAFE_SCHEMES = {"http", "https", "ftp", "mailto"}
_CONTROL = re.compile(r"[\x00-\x1f]")  # a control character in a link: never followed
_TAGS = {"p", "br", "hr", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
         "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"}
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def markdown(text: str | None) -> Markup:
    """Render a harvested Markdown description; raw HTML shows as text, anything left over is cleaned."""
    return Markup(_markdown_html(text or ""))  # noqa: S704 - sanitised by nh3 in _markdown_html


@lru_cache(maxsize=2048)
def _markdown_html(text: str) -> str:
    """Kept per process by the text itself: descriptions repeat across a publisher's records and a popular
    page's views, and markdown-it plus nh3 cost ~0.1-1 ms a description."""
    return nh3.clean(_markdown.render(text), tags=_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes=SAFE_SCHEMES, link_rel="nofollow noopener noreferrer ugc")


def safe_href(url: str | None) -> str | None:
    """The URL if a browser may follow it from our page, else None (javascript:, data:, relative...)."""
    if not url:
        return None
    url = url.strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in SAFE_SCHEMES and not _CONTROL.search(url) else None


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _tile_origin() -> str:
    """The configured tile server's origin, the one outside host images may come from."""
    parts = urlsplit(current_app.extensions["kaifang"]["settings"].tile_url)
    if parts.scheme not in ("http", "https"):
        return ""
    return f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def content_security_policy() -> str:
    scripts = "'self'" + (f" 'nonce-{g.csp_nonce}'" if "csp_nonce" in g else "")
    return ("default-src 'none'; "
            f"script-src {scripts}; style-src 'self'; img-src 'self' data:{_tile_origin()}; font-src 'self'; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def _harden(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = content_security_policy()
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_harden)
    app.jinja_env.filters["markdown"] = markdown
    app.jinja_env.filters["safe_href"] = safe_href
    app.jinja_env.globals["csp_nonce"] = csp_nonce
