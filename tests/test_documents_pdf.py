"""The papers as PDFs: text layer (Chinese included), embedded CJK fonts, PDF/A, the footer's
verification code and QR code, escaping, and the fetcher that only knows odr/static.

Real WeasyPrint renders cost about half a second each, so the four papers are issued once for
the whole module and the tests read the bytes.
"""

from __future__ import annotations

import copy
import http.server
import io
import re
import shutil
import subprocess
import threading
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from odr.core import storage
from odr.core.enums import CaseState
from odr.documents import render
from odr.documents.codes import grouped
from odr.documents.models import DocumentType
from odr.documents.operations import issue_document
from odr.documents.render import ASSET_ORIGIN, AssetRefused, fetch_static, html_to_pdf, render_pdf
from odr.extensions import db

from . import factories

PAPERS = [(t, lang) for t in (DocumentType.APPLICATION, DocumentType.ACCEPTANCE_NOTICE) for lang in ("zh_CN", "en")]


@pytest.fixture(scope="module")
def issued(app):
    """Each paper type in each language, issued from one accepted case with a mediator."""
    world = factories.build_world()
    case = factories.make_case(world, CaseState.MEDIATION)
    case.parties[0].address = "杭州市西湖区宝石一路 8 号"
    db.session.flush()
    papers = {}
    for doc_type, lang in PAPERS:
        document = issue_document(case, doc_type, world.clerk, lang)
        pdf = storage.blob_path(document.sha256).read_bytes()
        reader = PdfReader(io.BytesIO(pdf))
        papers[doc_type, lang] = SimpleNamespace(
            pdf=pdf,
            reader=reader,
            # Text extraction of CJK pages is slow in pypdf: once per paper. Line breaks and
            # spaces dropped: lines break inside names and numbers.
            pages=[re.sub(r"\s+", "", page.extract_text()) for page in reader.pages],
            code=grouped(document.verification_code),
            inputs=copy.deepcopy(document.inputs),
            template=document.template,
        )
    db.session.commit()
    return SimpleNamespace(papers=papers, reference=case.reference)


def text_of(paper) -> str:
    return "".join(paper.pages)


@pytest.mark.parametrize("doc_type,lang", PAPERS)
def test_text_layer_holds_names_amount_and_reference(issued, doc_type, lang):
    text = text_of(issued.papers[doc_type, lang])
    for expected in ("张三", "某某公司", issued.reference, "12,000.00"):
        assert expected in text
    if lang == "zh_CN":
        assert "人民币12,000.00元" in text
        assert {"application": "调解申请书", "acceptance_notice": "受理通知书"}[doc_type] in text
    else:
        assert "CNY12,000.00" in text
        assert {"application": "Mediationapplication", "acceptance_notice": "Acceptancenotice"}[doc_type] in text


def test_chinese_clauses_and_particulars_are_selectable_text(issued):
    notice = text_of(issued.papers[DocumentType.ACCEPTANCE_NOTICE, "zh_CN"])
    assert "本委员会决定受理" in notice
    assert "不收取任何费用（《中华人民共和国人民调解法》第四条）" in notice
    assert "陈调解" in notice  # the appointed mediator
    application = text_of(issued.papers[DocumentType.APPLICATION, "zh_CN"])
    assert "壹万贰仟元整" in application  # the amount in capital numerals
    assert "公司拖欠三个月工资" in application
    assert "北山街道人民调解委员会" in application


@pytest.mark.parametrize("doc_type,lang", PAPERS)
def test_every_page_carries_code_and_page_number(issued, doc_type, lang):
    paper = issued.papers[doc_type, lang]
    total = len(paper.pages)
    for number, text in enumerate(paper.pages, start=1):
        assert paper.code in text
        if lang == "zh_CN":
            assert f"第{number}页共{total}页" in text
        else:
            assert f"Page{number}of{total}" in text


def test_qr_code_encodes_the_public_verification_url(app, issued):
    paper = issued.papers[DocumentType.ACCEPTANCE_NOTICE, "zh_CN"]
    url = f"{app.config['PUBLIC_BASE_URL']}/verify/{paper.code}"
    assert paper.inputs["paper"]["verify_url"] == url
    html = render.render_html("acceptance_notice.html", paper.inputs, lang="zh_CN")
    # The running footer holds the QR code of exactly this URL (WeasyPrint repeats it per page).
    assert str(render.qr_svg(url)) in html
    assert html.count("<svg") == 1


def test_a_notice_fits_on_one_page_and_a_correction_says_what_it_replaces(issued):
    paper = issued.papers[DocumentType.ACCEPTANCE_NOTICE, "zh_CN"]
    assert len(paper.pages) == 1  # an official notice with its seal area on a single sheet
    inputs = copy.deepcopy(paper.inputs)
    assert "更正并取代" not in render.render_html("acceptance_notice.html", inputs, lang="zh_CN")
    inputs["paper"].update(version=2, supersedes={"version": 1, "code": paper.code})
    html = render.render_html("acceptance_notice.html", inputs, lang="zh_CN")
    assert f"本文书为第 2 版，更正并取代验证码为 {paper.code} 的第 1 版" in html


def test_pdffonts_shows_embedded_cjk_fonts(issued, tmp_path):
    if shutil.which("pdffonts") is None:
        pytest.skip("poppler-utils is not installed")
    path = tmp_path / "notice.pdf"
    path.write_bytes(issued.papers[DocumentType.ACCEPTANCE_NOTICE, "zh_CN"].pdf)
    output = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in output.splitlines() if "CJK" in line]
    assert cjk, output
    for line in cjk:
        # name, type..., emb sub uni: embedded and subset
        assert re.search(r"\byes\s+yes\s+yes\b", line), line


def test_pdf_a_3u_identification_and_output_intent(issued):
    reader = issued.papers[DocumentType.APPLICATION, "zh_CN"].reader
    xmp = reader.xmp_metadata
    assert xmp is not None
    # WeasyPrint writes pdfaid:part="3" pdfaid:conformance="U" in the XMP packet
    assert (str(xmp.pdfaid_part), xmp.pdfaid_conformance) == ("3", "U")
    intents = reader.trailer["/Root"]["/OutputIntents"]
    assert [intent.get_object()["/S"] for intent in intents] == ["/GTS_PDFA1"]
    assert "/DestOutputProfile" in intents[0].get_object()
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"


def test_stored_inputs_and_template_reproduce_the_stored_bytes(issued):
    """The record is complete: the inputs and template named in the row make the same file."""
    paper = issued.papers[DocumentType.ACCEPTANCE_NOTICE, "en"]
    lang, template = paper.template.split("/", 1)
    assert render_pdf(template, paper.inputs, lang=lang) == paper.pdf


def test_markup_in_case_data_is_printed_as_text(issued):
    inputs = copy.deepcopy(issued.papers[DocumentType.ACCEPTANCE_NOTICE, "zh_CN"].inputs)
    attack = '<img src="file:///etc/passwd">'
    inputs["applicants"][0]["name"] = attack
    html = render.render_html("acceptance_notice.html", inputs, lang="zh_CN")
    assert "<img" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    text = PdfReader(io.BytesIO(render_pdf("acceptance_notice.html", inputs, lang="zh_CN"))).pages[0].extract_text()
    assert attack in text
    assert "root:" not in text


# ---- the fetcher -----------------------------------------------------------------------------

def test_fetcher_serves_the_apps_own_static_assets():
    body, mime = fetch_static(ASSET_ORIGIN + "documents/paper.css")
    assert mime == "text/css"
    assert b"@page" in body


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1/static/documents/paper.css",
        "https://odr-assets.invalid.example.com/static/documents/paper.css",
        "data:text/plain,hello",
        ASSET_ORIGIN + "../../../../etc/passwd",
        ASSET_ORIGIN + "%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        ASSET_ORIGIN + "documents/../../documents/models.py",  # inside odr/, outside odr/static
        ASSET_ORIGIN + "documents/paper.css?x=1",
        ASSET_ORIGIN + "documents/missing.css",
        ASSET_ORIGIN + "documents",  # a directory
    ],
)
def test_fetcher_refuses_everything_else(url):
    with pytest.raises(AssetRefused):
        fetch_static(url)


@pytest.fixture()
def http_server():
    """A local HTTP server that counts the requests it gets (it must get none)."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the stdlib's name)
            hits.append(self.path)
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_address[1]}", hits=hits)
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="file:///etc/passwd">',
        '<img src="{server}/redirect.png">',
        '<link rel="stylesheet" href="{server}/evil.css">',
        '<p style="background: url(\'{server}/x.png\')">x</p>',
        '<img src="../../../etc/passwd">',
    ],
)
def test_rendering_stops_at_any_foreign_url_without_touching_it(http_server, markup):
    html = f"<html><body><p>x</p>{markup.format(server=http_server.url)}</body></html>"
    with pytest.raises(AssetRefused):
        html_to_pdf(html)
    assert http_server.hits == []
