"""HTML -> PDF/A-3u. The one way the service makes a PDF: `render_pdf(template, data, lang=...)`.

- Templates live in templates/documents/papers/<lang>/ and run in a Jinja environment of their
  own: autoescaping on, undefined names are errors, and no Flask globals (no request, no user,
  no url_for), so a template can only print the plain data it is given.
- WeasyPrint is imported on first use: it costs about a second and most processes never render.
- Every URL the document refers to goes through `fetch_static`: only files under odr/static,
  addressed as ASSET_ORIGIN + path, read straight from disk. No file: URLs, no network, so no
  redirects either; anything else stops the rendering with AssetRefused. The one exception is
  an inline PNG (`data:image/png;base64,...`, e.g. a drawn signature): it carries its own bytes,
  so nothing is fetched, and it is checked to be a real PNG of bounded size (`fetch_inline_png`).
"""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
PAPERS_DIR = Path(__file__).resolve().parent.parent.parent / "templates" / "documents" / "papers"
# A name that can never resolve (RFC 2606): relative URLs in papers join onto it, and the
# fetcher maps it to STATIC_DIR without any network involved.
ASSET_ORIGIN = "https://odr-assets.invalid/static/"


class AssetRefused(RuntimeError):
    """A paper asked for something other than one of the app's own static files."""


def fetch_static(url: str) -> tuple[bytes, str]:
    """The bytes and MIME type of a static asset, or AssetRefused for any other URL."""
    if not url.startswith(ASSET_ORIGIN):
        raise AssetRefused(f"only the app's static assets may be fetched, not {url[:200]!r}")
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise AssetRefused(f"no query or fragment in asset URLs: {url[:200]!r}")
    relative = unquote(parts.path).removeprefix("/static/")
    root = STATIC_DIR.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise AssetRefused(f"no such static asset: {relative[:200]!r}")
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return path.read_bytes(), mime


INLINE_PNG_PREFIX = "data:image/png;base64,"
MAX_INLINE_PNG_BYTES = 100_000
MAX_INLINE_PNG_PIXELS = 4_000_000


def decode_png_data_url(url: str, *, max_bytes: int = MAX_INLINE_PNG_BYTES) -> bytes | None:
    """The PNG bytes of a `data:image/png;base64,` URL if it is a real, decodable PNG of at most
    `max_bytes` bytes and MAX_INLINE_PNG_PIXELS pixels; else None. Used where a drawn signature
    is accepted (odr/mediation/agreement.py) and again where it is printed."""
    import base64
    import binascii
    import io

    from PIL import Image

    if not isinstance(url, str) or not url.startswith(INLINE_PNG_PREFIX):
        return None
    encoded = url[len(INLINE_PNG_PREFIX):]
    if len(encoded) > (max_bytes + 2) // 3 * 4:
        return None
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) > max_bytes or not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    try:
        with Image.open(io.BytesIO(raw), formats=["PNG"]) as image:
            if image.width * image.height > MAX_INLINE_PNG_PIXELS:
                return None
            image.verify()  # chunk checksums and structure
        with Image.open(io.BytesIO(raw), formats=["PNG"]) as image:
            image.load()  # and the pixels really decode
    except Exception:  # Pillow raises many kinds (OSError, SyntaxError, struct.error, ...): all mean "not a PNG"
        return None
    return raw


def fetch_inline_png(url: str) -> tuple[bytes, str]:
    raw = decode_png_data_url(url)
    if raw is None:
        raise AssetRefused("an inline image must be a valid PNG data URL of at most 100 kB")
    return raw, "image/png"


def qr_svg(text: str) -> Markup:
    """A QR code as inline SVG (vector, nothing fetched). Medium error correction survives a
    crease or a stamp across the corner."""
    import qrcode
    import qrcode.image.svg

    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=0,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    code.add_data(text)
    svg = code.make_image().to_string(encoding="unicode")
    return Markup(svg.removeprefix("<?xml version='1.0' encoding='UTF-8'?>\n"))


def paragraphs(text: str) -> list[str]:
    """A person's text split at line breaks, so that each paragraph gets its own indent."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@lru_cache(maxsize=1)
def paper_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(PAPERS_DIR)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["qr_svg"] = qr_svg
    env.filters["paragraphs"] = paragraphs
    env.globals["ASSET_ORIGIN"] = ASSET_ORIGIN
    return env


def render_html(template_name: str, context: dict, *, lang: str) -> str:
    template = paper_environment().get_template(f"{lang}/{template_name}")
    return template.render({**context, "lang": lang})


@lru_cache(maxsize=1)
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """WeasyPrint's fetcher with every handler cut off: only fetch_static answers."""

        def fetch(self, url, headers=None):
            inline = url.startswith(INLINE_PNG_PREFIX)
            body, mime = fetch_inline_png(url) if inline else fetch_static(url)
            return URLFetcherResponse(url, body, {"Content-Type": mime})

        def open(self, url, data=None, timeout=None):
            return self.fetch(getattr(url, "full_url", url))

    return StaticOnlyFetcher


def html_to_pdf(html: str) -> bytes:
    """HTML (already rendered, trusted template output) to PDF/A-3u bytes."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    # fail_on_errors: a paper missing its stylesheet, or anything refused, is not issued at all.
    fetcher = _fetcher_class()(fail_on_errors=True)
    try:
        return HTML(string=html, base_url=ASSET_ORIGIN, url_fetcher=fetcher).write_pdf(
            pdf_variant="pdf/a-3u"
        )
    except FatalURLFetchingError as error:  # a BaseException: turn it into an ordinary one
        raise AssetRefused(str(error.__cause__ or error)) from error


def render_pdf(template_name: str, context: dict, *, lang: str) -> bytes:
    """Render a paper template with plain data to PDF/A-3u bytes."""
    return html_to_pdf(render_html(template_name, context, lang=lang))
