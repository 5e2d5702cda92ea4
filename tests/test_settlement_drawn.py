"""A drawn signature: checked when it is given (a real PNG data URL of at most 100 kB) and printed
as an image in the signature block of the settlement agreement paper (odr/mediation/paper.py,
templates/documents/papers/*/settlement_agreement.html, the renderer's inline-PNG fetcher)."""

from __future__ import annotations

import base64
import io
import random

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader
from sqlalchemy import select

from odr.core.enums import CaseState
from odr.core.storage import blob_path
from odr.documents.models import Document, DocumentType
from odr.documents.render import AssetRefused, decode_png_data_url, fetch_inline_png, html_to_pdf
from odr.extensions import db
from odr.mediation import agreement as agreements

from .factories import PASSWORD, make_case


def png_data_url(size=(300, 100), ink=(20, 20, 120, 255), fmt="PNG") -> str:
    """A signature-like stroke on a transparent canvas, as the room's <canvas> sends it."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 80), (80, 20), (150, 70), (280, 30)], fill=ink, width=4)
    out = io.BytesIO()
    image.convert("RGB").save(out, fmt) if fmt == "JPEG" else image.save(out, fmt)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture()
def locked(world, login):
    case = make_case(world, CaseState.MEDIATION)
    agreement = agreements.create(case, world.mediator, {"terms": "被申请人支付 8592.00 元。"})
    agreements.lock(case, world.mediator, agreement, expected_version=1)
    db.session.commit()
    return case, agreement


def _sign(client, case, sha, drawn, name="张三"):
    return client.post(f"/api/v1/cases/{case.id}/signatures",
                       json={"password": PASSWORD, "typed_signature": name, "sha256": sha,
                             "drawn_signature": drawn})


def test_the_drawn_signature_is_printed_on_the_agreement_as_an_image(world, login, locked):
    case, agreement = locked
    sha = agreement.text_sha256
    drawn = png_data_url()
    assert _sign(login(world.applicant), case, sha, drawn, "张三").status_code == 201
    assert _sign(login(world.respondent), case, sha, None, "李四").status_code == 201
    last = _sign(login(world.mediator), case, sha, "", "陈调解")
    assert last.status_code == 201 and last.json["case_state"] == "settled"

    db.session.rollback()
    document = db.session.execute(select(Document).where(
        Document.case_id == case.id, Document.type == DocumentType.SETTLEMENT_AGREEMENT)).scalar_one()
    printed = document.inputs["agreement"]["signatures"]
    assert [bool(s["drawn"]) for s in printed] == [True, False, False]
    assert printed[0]["drawn"] == drawn

    reader = PdfReader(io.BytesIO(blob_path(document.sha256).read_bytes()))
    flat = "".join("".join(page.extract_text() for page in reader.pages).split())
    assert "张三" in flat and "李四" in flat and "陈调解" in flat and sha in flat
    # The QR codes are vector paths: the one raster image on the paper is the drawn signature
    # (WeasyPrint shares one resource dictionary between pages: count distinct images).
    images = list({image.data: image for page in reader.pages for image in page.images}.values())
    assert len(images) == 1
    shown = images[0].image
    assert shown.size == (300, 100)
    # The stroke survived: the image is not blank.
    low, high = shown.convert("L").getextrema()
    assert low < high


def test_a_paper_without_drawn_signatures_has_no_image(world, login, locked):
    case, agreement = locked
    for user in (world.applicant, world.respondent, world.mediator):
        assert _sign(login(user), case, agreement.text_sha256, None, user.name).status_code == 201
    db.session.rollback()
    document = db.session.execute(select(Document).where(
        Document.case_id == case.id, Document.type == DocumentType.SETTLEMENT_AGREEMENT)).scalar_one()
    reader = PdfReader(io.BytesIO(blob_path(document.sha256).read_bytes()))
    assert [image for page in reader.pages for image in page.images] == []


def _broken_png() -> str:
    raw = bytearray(base64.b64decode(png_data_url().split(",", 1)[1]))
    raw[40:60] = b"\x00" * 20  # inside the image data: the checksum no longer matches
    return "data:image/png;base64," + base64.b64encode(bytes(raw)).decode()


def _big_png() -> str:
    """Just over 100 kB (noise does not compress): past the limit, under the schema's length cap."""
    noise = random.Random(4).randbytes(184 * 184 * 3)
    image = Image.frombytes("RGB", (184, 184), noise)
    out = io.BytesIO()
    image.save(out, "PNG")
    assert 100_000 < len(out.getvalue()) < 104_000
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.mark.parametrize("drawn", [
    "not a data url",
    "data:image/svg+xml;base64," + base64.b64encode(b"<svg xmlns='http://www.w3.org/2000/svg'/>").decode(),
    "data:image/png;base64,%%%not-base64%%%",
    "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"only a header").decode(),
    png_data_url(fmt="JPEG"),  # JPEG bytes under a PNG label
    "broken",
    "big",
], ids=["text", "svg", "not-base64", "header-only", "jpeg", "broken-png", "over-100-kB"])
def test_a_drawn_signature_that_is_not_a_small_real_png_is_refused_and_nothing_is_signed(world, login, locked, drawn):
    case, agreement = locked
    drawn = {"broken": _broken_png, "big": _big_png}.get(drawn, lambda: drawn)()
    client = login(world.applicant)
    refused = _sign(client, case, agreement.text_sha256, drawn)
    assert refused.status_code == 422, refused.json
    assert "drawn_signature" in refused.json["error"]["fields"]
    assert "PNG" in refused.json["error"]["message"] or "PNG" in str(refused.json["error"]["fields"])
    assert client.get(f"/api/v1/cases/{case.id}/signatures").json["items"] == []
    # The same person can then sign with a good one.
    assert _sign(client, case, agreement.text_sha256, png_data_url()).status_code == 201


def test_the_refusal_is_in_the_signers_language(world, login, locked):
    case, agreement = locked
    client = login(world.applicant)
    zh = client.post(f"/api/v1/cases/{case.id}/signatures", headers={"Accept-Language": "zh-CN"},
                     json={"password": PASSWORD, "typed_signature": "张三", "sha256": agreement.text_sha256,
                           "drawn_signature": "data:image/png;base64,AAAA"})
    en = client.post(f"/api/v1/cases/{case.id}/signatures", headers={"Accept-Language": "en"},
                     json={"password": PASSWORD, "typed_signature": "张三", "sha256": agreement.text_sha256,
                           "drawn_signature": "data:image/png;base64,AAAA"})
    zh_text, en_text = (str(r.json["error"]["fields"]["drawn_signature"]) for r in (zh, en))
    assert "PNG" in zh_text and "PNG" in en_text and zh_text != en_text


def test_the_renderer_takes_inline_pngs_and_nothing_else_inline():
    good = png_data_url()
    raw, mime = fetch_inline_png(good)
    assert mime == "image/png" and raw.startswith(b"\x89PNG")
    assert decode_png_data_url(_broken_png()) is None
    with pytest.raises(AssetRefused):
        fetch_inline_png(_broken_png())
    html_page = "data:text/html;base64," + base64.b64encode(b"<p>x</p>").decode()
    with pytest.raises(AssetRefused):
        render_pdf_with_image(html_page)
    with pytest.raises(AssetRefused):
        render_pdf_with_image(_broken_png())
    pdf = render_pdf_with_image(good)
    assert len({image.data for image in PdfReader(io.BytesIO(pdf)).pages[0].images}) == 1


def render_pdf_with_image(src: str) -> bytes:
    """A minimal HTML page through the papers' fetcher (the same one every paper uses)."""
    return html_to_pdf(f'<!doctype html><html lang="en"><body><img src="{src}" alt="x"></body></html>')

