"""The partner API: tokens hashed at rest and revocable, status of own reports only, documented."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.test import Client
from django.utils import timezone, translation

from himoya.cases.actions import claim_case
from himoya.cases.models import Case
from himoya.channels.api.models import PartnerToken

pytestmark = pytest.mark.django_db


def _client(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def _file(client: Client, **fields) -> str:
    body = {"narrative": "A stranger asks my son for photos.", "language": "ru", **fields}
    response = client.post("/api/v1/reports", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["code"]


def test_it_stores_only_a_digest_of_the_token(partner_token, tables_containing):
    row, token = partner_token()
    assert token.startswith("hmy_")
    row.refresh_from_db()
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token[:10] == row.prefix
    assert tables_containing(token) == []
    assert tables_containing(token[10:]) == []


def test_a_token_works_until_it_is_revoked(partner_token):
    row, token = partner_token()
    client = _client(token)
    code = _file(client)
    assert client.get(f"/api/v1/reports/{code}").status_code == 200
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    response = client.get(f"/api/v1/reports/{code}")
    assert response.status_code == 401
    assert response.json()["message"] == "A valid partner token is required."


def test_a_process_remembers_a_valid_token_for_a_few_seconds_and_then_asks_again(partner_token, monkeypatch):
    from django.core.cache import cache

    from himoya.channels.api import auth

    row, token = partner_token()
    client = _client(token)
    lookups = []
    get = cache.get
    monkeypatch.setattr(cache, "get", lambda key, *args: lookups.append(key) or get(key, *args))
    clock = [1000.0]
    monkeypatch.setattr(auth.time, "monotonic", lambda: clock[0])
    assert client.get("/api/v1/reports/2222-3333-4444-5555").status_code == 404
    assert client.get("/api/v1/reports/2222-3333-4444-5555").status_code == 404
    assert lookups == [auth.cache_key(row.digest)]
    # Revoked in another process: it forgot the token in the shared cache, not here. This
    # process takes it as valid until its few seconds are over.
    PartnerToken.objects.filter(pk=row.pk).update(revoked_at=timezone.now())
    cache.delete(auth.cache_key(row.digest))
    assert client.get("/api/v1/reports/2222-3333-4444-5555").status_code == 404
    clock[0] += auth.LOCAL_SECONDS + 0.1
    assert client.get("/api/v1/reports/2222-3333-4444-5555").status_code == 401


def test_a_revoked_token_does_not_stop_the_partners_other_tokens(partner_token):
    old, old_token = partner_token("SafeChat")
    _new, new_token = partner_token("SafeChat")
    old.revoked_at = timezone.now()
    old.save(update_fields=["revoked_at"])
    assert _client(old_token).get("/api/v1/reports/2222-3333-4444-5555").status_code == 401
    assert _client(new_token).get("/api/v1/reports/2222-3333-4444-5555").status_code == 404


def test_it_records_when_a_token_was_last_used(partner_token):
    row, token = partner_token()
    assert row.last_used_at is None
    _client(token).get("/api/v1/reports/2222-3333-4444-5555")
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_a_partner_sees_the_status_of_its_own_report_in_the_reporters_language(partner_token, operator):
    client = _client(partner_token()[1])
    code = _file(client, partner_reference="T-1")
    response = client.get(f"/api/v1/reports/{code}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "new"
    assert set(body) == {"status", "status_text", "urgency", "outcome", "received_at", "updated_at"}
    with translation.override("ru"):
        expected = translation.gettext("We have your report. Someone from the center will read it soon.")
    assert body["status_text"] == expected
    # The status follows the case.
    claim_case(Case.objects.get(), operator)
    assert client.get(f"/api/v1/reports/{code}").json()["status"] == "open"


def test_it_accepts_the_code_as_the_reporter_might_type_it(partner_token):
    client = _client(partner_token()[1])
    code = _file(client)
    assert client.get(f"/api/v1/reports/{code.lower().replace('-', '')}").status_code == 200


def test_another_partner_gets_404_for_a_report_it_did_not_send(partner_token, file_report):
    code = _file(_client(partner_token("SafeChat")[1]))
    other = _client(partner_token("OtherApp")[1])
    response = other.get(f"/api/v1/reports/{code}")
    assert response.status_code == 404
    assert response.json()["message"] == "No report of yours has this code."
    # Nor can a partner read a report that came through the web form.
    web_code = file_report().code
    assert other.get(f"/api/v1/reports/{web_code}").status_code == 404


def test_status_needs_a_token(partner_token):
    code = _file(_client(partner_token()[1]))
    response = Client().get(f"/api/v1/reports/{code}")
    assert response.status_code == 401
    assert response.json()["message"]


def test_the_openapi_document_lists_both_operations_and_their_status_codes(reference):
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    create = document["paths"]["/api/v1/reports"]["post"]
    status = document["paths"]["/api/v1/reports/{code}"]["get"]
    assert {"201", "400", "401", "413", "422"} <= set(create["responses"])
    assert {"200", "401", "404", "429"} <= set(status["responses"])
    assert create["security"] and status["security"]
    assert "bearer" in json.dumps(document["components"]["securitySchemes"]).lower()


def test_the_api_docs_page_loads_its_scripts_from_this_site(reference):
    response = Client().get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/api/openapi.json" in page
    # The Content-Security-Policy allows scripts and styles from this site only.
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources
    assert all(source.startswith("/") for source in sources), sources
    assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))[^>]*>", page), "inline script"


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/api/v1/reports", "{", 400),
        ("post", "/api/v1/reports", "{}", 422),
        ("get", "/api/v1/reports/2222-3333-4444-5555", None, 404),
        ("get", "/api/v1/no-such-endpoint", None, 404),
        ("put", "/api/v1/reports", "{}", 405),
        ("delete", "/api/v1/reports/2222-3333-4444-5555", None, 405),
    ],
)
def test_every_error_body_is_json_with_a_message(method, path, body, status, partner_token):
    client = _client(partner_token()[1])
    kwargs = {"content_type": "application/json", "data": body} if body is not None else {}
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"]


def test_a_token_is_never_accepted_from_the_query_string(partner_token):
    _row, token = partner_token()
    response = Client().get(f"/api/v1/reports/2222-3333-4444-5555?token={token}")
    assert response.status_code == 401


def test_issued_tokens_are_distinct(partner_token):
    tokens = {partner_token()[1] for _ in range(20)}
    assert len(tokens) == 20
    assert PartnerToken.objects.count() == 20
