"""Content-addressed storage and what an upload may be (sniffed from the bytes, never trusted).

HTML (or SVG) uploaded as "invoice.pdf" sniffs as text/plain: it is stored as plain text under a
.txt name, and evidence is only ever downloaded as an attachment with
`X-Content-Type-Options: nosniff` (odr/cases/files.py), so a browser never renders it as a page.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import zipfile

import pytest
from PIL import Image

from odr.cases import operations as case_ops
from odr.cases.operations import UploadRefused
from odr.core import storage
from odr.core.enums import CaseState
from odr.core.errors import ValidationFailed
from odr.core.uploads import ALLOWED_TYPES, MAX_EVIDENCE_BYTES, sniff

from .foundation_support import (
    build_case,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture()
def store(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path))
    return tmp_path


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def _zip(names) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


# --- storage -------------------------------------------------------------------------------------

def test_put_is_content_addressed_and_idempotent(store):
    data = "租赁合同 tenancy contract".encode()
    digest = storage.put_bytes(data)
    assert digest == hashlib.sha256(data).hexdigest()
    path = storage.blob_path(digest)
    assert path == store / digest[:2] / digest[2:4] / digest
    assert path.read_bytes() == data and storage.exists(digest)
    first = path.stat()

    assert storage.put_bytes(data) == digest
    assert path.stat().st_mtime_ns == first.st_mtime_ns, "stored once, never rewritten"
    other = storage.put_bytes(data + b"!")
    assert other != digest
    assert _files(store) == sorted(f"{d[:2]}/{d[2:4]}/{d}" for d in (digest, other))


def test_failed_write_leaves_nothing_behind(store, monkeypatch):
    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        storage.put_bytes(b"half a file")
    assert not storage.exists(hashlib.sha256(b"half a file").hexdigest())
    assert _files(store) == [], "no temporary file left"


@pytest.mark.parametrize("name", ["../../etc/passwd", "A" * 64, "0" * 63, "g" * 64, "", "0" * 64 + "/"])
def test_blob_path_accepts_only_a_sha256(store, name):
    with pytest.raises(ValueError):
        storage.blob_path(name)


# --- sniffing ------------------------------------------------------------------------------------

def test_sniff_recognises_the_accepted_types():
    assert sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n") == "application/pdf"
    assert sniff(_image("PNG")) == "image/png"
    assert sniff(_image("JPEG")) == "image/jpeg"
    assert sniff(_zip(["[Content_Types].xml", "_rels/.rels", "word/document.xml"])) == DOCX
    assert sniff(b"plain ASCII\r\nwith\ttabs\f") == "text/plain"
    assert sniff("双方于2024年签订租赁合同。\n".encode()) == "text/plain"
    for mime in ("application/pdf", "image/png", "image/jpeg", DOCX, "text/plain"):
        assert mime in ALLOWED_TYPES


def test_chinese_text_cut_mid_character_at_the_sample_boundary_is_text():
    text = ("第一条 租金每月三千元。" * 3000).encode()  # 3 bytes a character
    assert len(text) > 65536 and 65536 % 3 != 0
    assert text[65535:65536] not in (b"", b"\n")
    with pytest.raises(UnicodeDecodeError):
        text[:65536].decode()  # the sample really ends inside a character
    assert sniff(text) == "text/plain"


def test_truncated_or_binary_text_is_not_text():
    # A short file is read whole: ending inside a character makes it invalid UTF-8.
    assert sniff("合同".encode()[:-1]) is None
    assert sniff(b"looks like text\x00but has a NUL") is None
    assert sniff(b"\x1b[31mterminal escapes\x1b[0m") is None
    assert sniff("中文".encode("gbk") + b"\xff\xfe") is None


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("program.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200),
        ("archive.zip", _zip(["a.txt", "b.txt"])),
        ("random.bin", random.Random(7).randbytes(4096)),
        ("elf", b"\x7fELF\x02\x01\x01" + b"\x00" * 100),
    ],
    ids=["exe", "zip", "noise", "elf"],
)
def test_sniff_refuses_executables_archives_and_noise(name, data):
    assert sniff(data) not in ALLOWED_TYPES
    if name in ("archive.zip", "random.bin"):
        assert sniff(data) is None, "a bare archive or noise is nothing we recognise"


def test_html_disguised_as_pdf_is_plain_text():
    assert sniff(b"<!doctype html><html><script>alert(1)</script></html>") == "text/plain"
    assert sniff(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>') == "text/plain"


# --- uploads through add_evidence ----------------------------------------------------------------

def test_upload_takes_its_type_from_the_bytes_not_the_name(world, store):
    case = build_case(world, CaseState.SUBMITTED)
    html = b"<html><body onload=alert(1)>invoice</body></html>"
    item = case_ops.add_evidence(case, world.applicant, filename="../../发票 invoice.pdf", data=html)
    assert (item.content_type, item.filename) == ("text/plain", "发票 invoice.txt")
    png = case_ops.add_evidence(case, world.applicant, filename="photo.exe", data=_image("PNG"))
    assert (png.content_type, png.filename) == ("image/png", "photo.png")
    assert storage.blob_path(png.sha256).read_bytes() == _image("PNG")


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, 415, "unsupported_type"),
        (_zip(["a.txt"]), 415, "unsupported_type"),
        (random.Random(3).randbytes(2048), 415, "unsupported_type"),
        (b"%PDF-1.4\n" + b"0" * MAX_EVIDENCE_BYTES, 413, "too_large"),
    ],
    ids=["exe", "zip", "noise", "too-large"],
)
def test_refused_upload_stores_nothing(world, store, data, status, code):
    case = build_case(world, CaseState.SUBMITTED)
    with pytest.raises(UploadRefused) as refused:
        case_ops.add_evidence(case, world.applicant, filename="file.pdf", data=data)
    assert (refused.value.status, refused.value.code) == (status, code)
    assert _files(store) == [] and case.evidence == []


def test_empty_upload_is_refused(world, store):
    case = build_case(world, CaseState.SUBMITTED)
    with pytest.raises(ValidationFailed):
        case_ops.add_evidence(case, world.applicant, filename="empty.txt", data=b"")
    assert _files(store) == []
