"""The partner API refuses bad input with a JSON message, stores nothing half-way, never fails with 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone, translation

from himoya.reports.models import Report

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports"
SCRIPT = '<script>alert("x")</script>'
SQL = "'; DROP TABLE reports_report; --"


@pytest.fixture
def token(partner_token):
    return partner_token()[1]


@pytest.fixture
def before(reference, stored_counts):
    return stored_counts()


def _send(token: str | None, body, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return Client().post(URL, raw, content_type="application/json", headers=headers)


def _report(**fields):
    return {"narrative": "Someone posted my photo without asking.", "language": "en", **fields}


def _refused(response, stored_counts, before, status=400, field=None, message=None) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["message"], str) and body["message"]
    if field is not None:
        assert body["field"] == field
    if message is not None:
        assert message in body["message"]
    assert stored_counts() == before
    return body


def test_it_files_a_report_and_returns_the_code_once(token, stored_counts, before):
    response = _send(token, _report(harm="scam", region="AZ-BA", links=["https://example.com/x"]))
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"code", "status", "received_at"}
    report = Report.objects.get()
    assert report.channel == "api" and report.harm.code == "scam" and report.region.code == "AZ-BA"
    assert stored_counts()["Report"] == before["Report"] + 1


def test_it_refuses_a_narrative_over_20000_characters(token, stored_counts, before):
    response = _send(token, _report(narrative="a" * 20_001))
    _refused(response, stored_counts, before, field="narrative", message="under 20000 characters")


@pytest.mark.parametrize("narrative", ["", "   \n\t ", "\u0000\u0007\u202e"])
def test_it_refuses_an_empty_or_blank_narrative(narrative, token, stored_counts, before):
    response = _send(token, _report(narrative=narrative))
    _refused(response, stored_counts, before, field="narrative", message="Please write a few words")


def test_it_answers_in_the_reporters_language(token, stored_counts, before, translated):
    russian = "Пожалуйста, напишите несколько слов о том, что случилось."
    translated("ru", {"Please write a few words about what happened.": russian})
    body = _refused(_send(token, _report(narrative=" ", language="ru")), stored_counts, before)
    assert body["message"] == russian


@pytest.mark.parametrize(("field", "value"), [("harm", "no-such-harm"), ("region", "XX-YY"), ("region", "UZ-TK-EXTRA")])
def test_it_refuses_unknown_harm_and_region_codes(field, value, token, stored_counts, before):
    _refused(_send(token, _report(**{field: value})), stored_counts, before, field=field)


def test_it_names_an_unknown_harm_in_the_reporters_language(token, stored_counts, before, translated):
    translated("az", {"This harm code is not one we know.": "Bu zərər kodu bizə məlum deyil."})
    body = _refused(_send(token, _report(harm="nope", language="az")), stored_counts, before, field="harm")
    assert body["message"] == "Bu zərər kodu bizə məlum deyil."


def test_it_refuses_an_unknown_language(token, stored_counts, before):
    _refused(_send(token, _report(language="xx")), stored_counts, before, field="language")


def test_it_refuses_invalid_utf8_in_the_json_body(token, stored_counts, before):
    body = b'{"narrative": "He wrote \xff\xfe\xc3( to me", "language": "en"}'
    _refused(_send(token, body), stored_counts, before)


@pytest.mark.parametrize("field", ["narrative", "contact", "partner_reference", "harm", "region", "language", "links"])
def test_it_refuses_lone_surrogates_that_cannot_be_stored(field, token, stored_counts, before):
    # JSON can spell a half of a UTF-16 pair (\ud800) that no UTF-8 text can hold.
    value = "https://example.com/\ud800" if field == "links" else "bad \ud800 text"
    raw = json.dumps(_report(**{field: [value] if field == "links" else value}))
    assert "\\ud800" in raw
    response = _send(token, raw)
    assert response.status_code in (400, 422)  # the schema refuses some fields before the view sees them
    _refused(response, stored_counts, before, status=response.status_code)


def test_it_strips_control_characters_from_every_text_field(token):
    response = _send(
        token,
        _report(
            narrative="He\u0000 sent\u0007 me \u202emessages",
            contact="+994\u0000 50 123",
            links=["https://exa\u0000mple.com/x"],
            partner_reference="ticket\u0000-42",
        ),
    )
    assert response.status_code == 201
    report = Report.objects.get()
    assert (report.narrative, report.contact, report.links, report.partner_reference) == (
        "He sent me messages",
        "+994 50 123",
        ["https://example.com/x"],
        "ticket-42",
    )


@pytest.mark.parametrize("field", ["harm", "region", "language"])
def test_it_refuses_control_characters_in_codes(field, token, stored_counts, before):
    _refused(_send(token, _report(**{field: "sc\u0000am"})), stored_counts, before, field=field)


def test_it_stores_html_and_sql_as_text_and_the_console_escapes_it(token, operator, staff_client):
    response = _send(token, _report(narrative=f"{SCRIPT} {SQL}", contact=SCRIPT, partner_reference=SCRIPT))
    assert response.status_code == 201
    report = Report.objects.get()
    assert (report.narrative, report.contact, report.partner_reference) == (f"{SCRIPT} {SQL}", SCRIPT, SCRIPT)
    page = staff_client(operator).get(f"/en/staff/cases/{report.case_id}/").content.decode()
    assert SCRIPT not in page
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize("field", ["harm", "region", "language", "age_group", "links"])
@pytest.mark.parametrize("payload", [SCRIPT, SQL])
def test_it_refuses_hostile_codes_as_json_without_echoing_html(field, payload, token, stored_counts, before):
    value = [payload] if field == "links" else payload
    response = _send(token, _report(**{field: value}))
    assert response.status_code in (400, 422)
    _refused(response, stored_counts, before, status=response.status_code)


def test_it_refuses_100_links(token, stored_counts, before):
    links = [f"https://example.com/post/{n}" for n in range(100)]
    _refused(_send(token, _report(links=links)), stored_counts, before, field="links", message="at most 20 links")


def test_it_refuses_a_50_mb_body_with_413(token, stored_counts, before):
    body = json.dumps(_report(narrative="a" * (50 * 1024 * 1024)))
    _refused(_send(token, body), stored_counts, before, status=413)


@pytest.mark.parametrize(
    "body",
    ['{"narrative": "hi", "language": "en"', "not json at all", "", "[1, 2", '{"narrative": }'],
)
def test_it_refuses_malformed_json(body, token, stored_counts, before):
    response = _send(token, body)
    assert response.status_code in (400, 422)
    _refused(response, stored_counts, before, status=response.status_code)


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '"a string"',
        "null",
        "42",
        {"narrative": 12, "language": "en"},
        {"narrative": ["a"], "language": "en"},
        {"narrative": "x", "language": 7},
        {"narrative": "ok words", "language": "en", "links": "https://example.com"},
        {"narrative": "ok words", "language": "en", "needs_help_now": "maybe"},
        {"narrative": "ok words", "language": "en", "age_group": "forty"},
        {"narrative": "ok words", "language": "en", "harm": {"code": "scam"}},
        {"narrative": "ok words", "language": "en", "partner_reference": "x" * 101},
        {"language": "en"},
    ],
)
def test_it_refuses_wrong_types_with_422(body, token, stored_counts, before):
    _refused(_send(token, body), stored_counts, before, status=422)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"narrative": 12, "language": "en"}, "narrative", "This must be text."),
        ({"narrative": "ok words", "language": "en", "links": "https://example.com"}, "links", "This must be a list."),
        ({"narrative": "ok words", "language": "en", "links": [7]}, "links.0", "This must be text."),
        ({"narrative": "ok words", "language": "en", "needs_help_now": "maybe"}, "needs_help_now", "true or false"),
        (
            {"narrative": "ok words", "language": "en", "age_group": "forty"},
            "age_group",
            "This must be one of: under_8, 8_12, 13_17, adult, unknown.",
        ),
        (
            {"narrative": "ok words", "language": "en", "partner_reference": "x" * 101},
            "partner_reference",
            "at most 100 characters",
        ),
        ({"language": "en"}, "narrative", "This field is required."),
        ("[]", None, "The body must be a JSON object"),
        ("", None, "The body must be a JSON object"),
    ],
)
def test_a_422_names_the_field_and_says_what_it_must_be(body, field, message, token, stored_counts, before):
    _refused(_send(token, body), stored_counts, before, status=422, field=field, message=message)


def _in(language: str, message: str) -> str:
    with translation.override(language):
        translated = translation.gettext(message)
    assert translated != message  # the catalogue has it
    return translated


@pytest.mark.parametrize("language", ["ru", "az", "uz"])
def test_errors_before_the_report_is_read_are_in_the_partners_language(language, token, stored_counts, before):
    """The schema, the token and the look-up come before the report's own language is known:
    they answer in the language the partner asks for with Accept-Language."""
    wanted = {"Accept-Language": language}
    cases = [
        (_send(token, {"narrative": 12, "language": "en"}, **wanted), 422, "This must be text."),
        (_send(token, "[1, 2", **wanted), 400, "The body is not valid JSON in UTF-8."),
        (_send(token, _report(language="fr"), **wanted), 400, "The language must be one of: %(codes)s."),
        (_send(None, _report(), **wanted), 401, "A valid partner token is required."),
        (
            _send(token, json.dumps(_report(narrative="a" * (50 * 1024 * 1024))), **wanted),
            413,
            "The request body is too large.",
        ),
    ]
    client = Client(headers={"Authorization": f"Bearer {token}", **wanted})
    cases += [
        (client.get("/api/v1/reports/2222-3333-4444-5555"), 404, "No report of yours has this code."),
        (client.get("/api/v1/nothing-here"), 404, "There is nothing at this address."),
        (client.delete(URL), 405, "This method is not allowed here."),
    ]
    for response, status, message in cases:
        expected = _in(language, message)
        if "%(codes)s" in message:
            expected = expected % {"codes": "en, ru, az, uz"}
        assert (response.status_code, response.json()["message"]) == (status, expected)
    assert stored_counts() == before


def test_it_refuses_a_request_without_a_token(stored_counts, before):
    body = _refused(_send(None, _report()), stored_counts, before, status=401)
    assert body["message"] == "A valid partner token is required."


@pytest.mark.parametrize(
    "header", ["Bearer hmy_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "hmy_x", "Bearer " + "x" * 500]
)
def test_it_refuses_an_invalid_token(header, stored_counts, before):
    response = Client().post(
        URL, json.dumps(_report()), content_type="application/json", headers={"Authorization": header}
    )
    _refused(response, stored_counts, before, status=401)


def test_it_refuses_a_revoked_token(partner_token, stored_counts, before):
    row, token = partner_token()
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    _refused(_send(token, _report()), stored_counts, before, status=401)


def test_it_rate_limits_1000_wrong_case_codes_per_partner(partner_token, settings):
    """Partners get their own (configurable) allowance; past it, 429 with a message, never a 500."""
    settings.PARTNER_LOOKUPS_PER_HOUR = 20
    client = Client(headers={"Authorization": f"Bearer {partner_token('A')[1]}"})
    responses = [client.get(f"/api/v1/reports/2222-3333-4444-{n:04d}") for n in range(1000)]
    assert [response.status_code for response in responses[:20]] == [404] * 20
    assert {response.status_code for response in responses[20:]} == {429}
    assert responses[-1].json()["message"] == "Too many look-ups; try again later."
    # The allowance is per partner.
    other = Client(headers={"Authorization": f"Bearer {partner_token('B')[1]}"})
    assert other.get("/api/v1/reports/2222-3333-4444-5555").status_code == 404


def test_a_partner_allowance_is_larger_than_a_browsers(partner_token):
    client = Client(headers={"Authorization": f"Bearer {partner_token()[1]}"})
    statuses = {client.get(f"/api/v1/reports/2222-3333-4444-{n:04d}").status_code for n in range(30)}
    assert statuses == {404}
