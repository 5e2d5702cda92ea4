"""The OpenAPI document: valid OpenAPI 3, every endpoint and error body described, refs resolve."""

from __future__ import annotations

import json

from openapi_spec_validator import validate

ENDPOINTS = {
    "/api/v1/cases": {"get", "post"},
    "/api/v1/cases/{case_id}": {"get", "patch"},
    "/api/v1/cases/{case_id}/parties": {"get", "post"},
    "/api/v1/cases/{case_id}/evidence": {"get", "post"},
    "/api/v1/evidence/{evidence_id}/download": {"get"},
    "/api/v1/cases/{case_id}/transitions": {"get", "post"},
    "/api/v1/cases/{case_id}/timeline": {"get"},
    "/api/v1/tokens": {"get", "post"},
    "/api/v1/tokens/{token_id}": {"delete"},
}


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_the_document_is_valid_openapi_3(client):
    document = _document(client)
    assert document["openapi"].startswith("3.")
    validate(document)


def test_every_endpoint_is_described(client):
    paths = _document(client)["paths"]
    for path, methods in ENDPOINTS.items():
        assert methods <= set(paths[path]), path


def test_every_reference_resolves(client):
    document = _document(client)
    for ref in set(_refs(document)):
        node = document
        for part in ref.removeprefix("#/").split("/"):
            assert part in node, ref
            node = node[part]


def test_errors_and_security_are_described(client):
    document = _document(client)
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert schemes["session"]["in"] == "cookie"
    assert {"bearer": []} in document["security"]

    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["$ref"].endswith("/ErrorDetail")
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert {"code", "message", "fields"} <= set(detail["properties"])
    not_found = document["components"]["responses"]["NOT_FOUND"]
    assert not_found["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    get_case = document["paths"]["/api/v1/cases/{case_id}"]["get"]["responses"]
    assert {"200", "401", "404"} <= set(get_case)


def test_input_limits_follow_the_model(client):
    schemas = _document(client)["components"]["schemas"]
    create = schemas["CaseCreate"]["properties"]
    assert create["title"]["maxLength"] == 200
    assert create["claim_amount"]["pattern"] == r"^\d{1,12}(\.\d{1,2})?$"
    assert create["category"]["enum"][0] == "neighbourhood"
    assert schemas["PartyIn"]["properties"]["phone"]["maxLength"] == 32
    upload = _document(client)["paths"]["/api/v1/cases/{case_id}/evidence"]["post"]["requestBody"]
    assert "multipart/form-data" in upload["content"]
    path_id = _document(client)["paths"]["/api/v1/cases/{case_id}"]["parameters"][0]["schema"]
    assert (path_id["minimum"], path_id["maximum"]) == (1, 2**31 - 1)
    json.dumps(schemas)  # plain JSON, nothing lazy left in it
