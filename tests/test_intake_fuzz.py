"""Random text and bytes at the report form and the partner API: never a 500, never half-stored."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,  # no example database written into the repository
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any character, including control characters, bidi overrides and (for JSON) lone surrogates.
ANY_CHAR = st.characters(categories=["L", "M", "N", "P", "S", "Z", "Cc", "Cf", "Co", "Cs"])
TEXT = st.text(max_size=200)
NASTY_TEXT = st.text(ANY_CHAR, max_size=200)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | NASTY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=8,
)
FORM_FIELDS = ["narrative", "links", "contact", "harm", "region", "age_group", "reporter_role", "needs_help_now"]
API_FIELDS = [
    "narrative",
    "language",
    "harm",
    "region",
    "age_group",
    "links",
    "contact",
    "needs_help_now",
    "partner_reference",
]


def _unchanged_unless_stored(response, stored_counts, before, stored_status: int) -> None:
    assert response.status_code < 500
    if response.status_code != stored_status:
        assert stored_counts() == before


@FUZZ
@given(data=st.fixed_dictionaries({}, optional={field: TEXT for field in FORM_FIELDS}))
def test_the_form_survives_random_text_in_every_field(reference, stored_counts, data):
    before = stored_counts()
    response = Client().post("/en/report/", data)
    _unchanged_unless_stored(response, stored_counts, before, 302)


@FUZZ
@given(
    body=st.binary(max_size=2000),
    content_type=st.sampled_from(
        ["multipart/form-data; boundary=fuzz", "application/x-www-form-urlencoded", "text/plain", "application/json"]
    ),
)
def test_the_form_survives_random_bytes(reference, stored_counts, body, content_type):
    before = stored_counts()
    response = Client().post("/ru/report/", body, content_type=content_type)
    _unchanged_unless_stored(response, stored_counts, before, 302)


@FUZZ
@given(
    payload=st.fixed_dictionaries(
        {"narrative": NASTY_TEXT, "language": st.sampled_from(["en", "ru", "az", "uz"]) | NASTY_TEXT},
        optional={field: JSON_VALUE for field in API_FIELDS if field not in ("narrative", "language")},
    )
)
def test_the_api_survives_random_json(partner_token, stored_counts, payload):
    _row, token = partner_token()
    before = stored_counts()
    response = Client(headers={"Authorization": f"Bearer {token}"}).post(
        "/api/v1/reports", json.dumps(payload), content_type="application/json"
    )
    _unchanged_unless_stored(response, stored_counts, before, 201)
    if response.status_code != 201:
        assert response.json()["message"]


@FUZZ
@given(body=st.binary(max_size=2000), code=NASTY_TEXT)
def test_the_api_survives_random_bytes_and_codes(partner_token, stored_counts, body, code):
    _row, token = partner_token()
    client = Client(headers={"Authorization": f"Bearer {token}"})
    before = stored_counts()
    response = client.post("/api/v1/reports", body, content_type="application/json")
    _unchanged_unless_stored(response, stored_counts, before, 201)
    from urllib.parse import quote

    lookup = client.get("/api/v1/reports/" + quote(code.encode("utf-8", "surrogatepass"), safe=""))
    assert lookup.status_code < 500
