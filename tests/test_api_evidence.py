"""Evidence through the API: upload (multipart), list, download; refused uploads store nothing."""

from __future__ import annotations

import pytest

from odr.cases.models import Evidence
from odr.core.enums import CaseState
from odr.extensions import db

from .api_support import EXE, PDF, PNG, big_upload, error, stored_files, upload
from .factories import make_case


@pytest.fixture()
def case(world):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    return case


def test_upload_list_and_download(world, login, case):
    client = login(world.applicant)
    response = client.post(f"/api/v1/cases/{case.id}/evidence",
                           data=upload(PNG, "../现场照片.png", description="墙体裂缝"))
    assert response.status_code == 201, response.get_json()
    item = response.get_json()
    assert (item["filename"], item["content_type"], item["size"]) == ("现场照片.png", "image/png", len(PNG))
    assert item["description"] == "墙体裂缝" and item["private_to_side"] is None

    listed = login(world.respondent).get(f"/api/v1/cases/{case.id}/evidence").get_json()
    assert [e["id"] for e in listed] == [item["id"]]

    with login(world.respondent).get(item["download_url"]) as download:
        assert download.status_code == 200
        assert download.data == PNG
        assert download.headers["Content-Type"] == "image/png"
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.png" in disposition


def test_private_upload_is_for_ones_own_side(world, login, case):
    client = login(world.applicant)
    response = client.post(f"/api/v1/cases/{case.id}/evidence",
                           data=upload(PDF, private_to_side="applicant"))
    assert response.status_code == 201
    assert response.get_json()["private_to_side"] == "applicant"
    response = client.post(f"/api/v1/cases/{case.id}/evidence",
                           data=upload(PDF + b"x", private_to_side="respondent"))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "data, status, code",
    [
        (EXE, 415, "unsupported_type"),
        (b"", 422, "validation_failed"),
    ],
)
def test_refused_uploads_store_nothing(world, login, case, data, status, code):
    before = stored_files()
    response = login(world.applicant).post(f"/api/v1/cases/{case.id}/evidence", data=upload(data, "x.pdf"))
    assert response.status_code == status
    body = error(response)
    assert body["code"] == code and "file" in body["fields"]
    assert stored_files() == before
    assert db.session.query(Evidence).count() == 0


def test_a_file_over_the_evidence_limit_is_413_and_stores_nothing(app, world, login, case, monkeypatch):
    # The request limit is raised above the evidence limit, so that the operation's own check answers.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 21 * 1024 * 1024 + 4096)
    before = stored_files()
    big = PDF + b"0" * (20 * 1024 * 1024)
    response = login(world.applicant).post(f"/api/v1/cases/{case.id}/evidence", **big_upload(big))
    assert response.status_code == 413, response.get_json()
    assert error(response)["code"] == "too_large"
    assert stored_files() == before


def test_a_request_over_the_server_limit_is_a_json_413(app, world, login, case, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    before = stored_files()
    response = login(world.applicant).post(f"/api/v1/cases/{case.id}/evidence", data=upload(PDF + b"0" * 4096))
    assert response.status_code == 413
    assert error(response)["code"] == "too_large"
    assert stored_files() == before


def test_missing_or_fake_file_part_is_422(world, login, case):
    client = login(world.applicant)
    response = client.post(f"/api/v1/cases/{case.id}/evidence", data={"description": "no file"})
    assert response.status_code == 422
    assert "file" in error(response)["fields"]
    response = client.post(f"/api/v1/cases/{case.id}/evidence", data={"file": "not a file"})
    assert response.status_code == 422
    assert "file" in error(response)["fields"]
    response = client.post(f"/api/v1/cases/{case.id}/evidence", data=upload(PDF, private_to_side="judge"))
    assert response.status_code == 422
    assert "private_to_side" in error(response)["fields"]
