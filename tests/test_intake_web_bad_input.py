"""The public report form refuses bad input clearly, stores nothing half-way, never fails with 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from himoya.reports.models import Report

pytestmark = pytest.mark.django_db

STORY = "A boy from school keeps sending me threats."
SCRIPT = '<script>alert("x")</script>'
SQL = "'; DROP TABLE reports_report; --"


def _post(client: Client, language="en", files=(), **fields):
    data = {"narrative": STORY, "age_group": "13_17", **fields}
    if files:
        data["screenshots"] = list(files)
    return client.post(f"/{language}/report/", data)


def _refused(response, message: str, stored_counts, before, status=400):
    assert response.status_code == status
    assert message in response.content.decode()
    assert stored_counts() == before


@pytest.fixture
def before(reference, stored_counts):
    return stored_counts()


def test_it_refuses_a_narrative_over_20000_characters(before, stored_counts):
    response = _post(Client(), narrative="a" * 20_001)
    _refused(response, "Please keep it under 20000 characters (this is 20001).", stored_counts, before)


def test_it_accepts_a_narrative_of_exactly_20000_characters(reference):
    assert _post(Client(), narrative="a" * 20_000).status_code == 302
    assert len(Report.objects.get().narrative) == 20_000


@pytest.mark.parametrize("narrative", ["", "   \n\t  ", "\x00\x07\u202e"])
def test_it_refuses_an_empty_or_blank_narrative(narrative, before, stored_counts):
    response = _post(Client(), narrative=narrative)
    _refused(response, "Please write a few words about what happened.", stored_counts, before)


def test_it_says_what_is_missing_in_the_reporters_language(before, stored_counts, translated):
    russian = "Пожалуйста, напишите несколько слов о том, что случилось."
    translated("ru", {"Please write a few words about what happened.": russian})
    response = _post(Client(), language="ru", narrative=" ")
    _refused(response, russian, stored_counts, before)
    assert "Please write a few words" not in response.content.decode()


def test_it_refuses_invalid_utf8_in_a_multipart_body(before, stored_counts):
    boundary = "himoya-test-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="narrative"\r\n\r\n'.encode()
        + b"He wrote \xff\xfe\xc3( to me"
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = Client().post("/en/report/", body, content_type=f"multipart/form-data; boundary={boundary}")
    _refused(response, "Some characters could not be read.", stored_counts, before)


def test_it_refuses_invalid_utf8_in_a_urlencoded_body(before, stored_counts):
    response = Client().post(
        "/en/report/", b"narrative=bad%FF%FEtext&age_group=unknown", content_type="application/x-www-form-urlencoded"
    )
    _refused(response, "Some characters could not be read.", stored_counts, before)


def test_it_strips_control_characters_from_every_text_field(reference):
    response = _post(
        Client(),
        narrative="He\x00 sent\x07 me \u202emessages\x1b",
        contact="+994\x00 50\x08 123",
        links="https://exa\x00mple.com/x",
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.narrative == "He sent me messages"
    assert report.contact == "+994 50 123"
    assert report.links == ["https://example.com/x"]


def test_it_stores_html_and_sql_as_text_and_never_reflects_it_unescaped(reference, operator, staff_client):
    response = _post(Client(), narrative=f"{SCRIPT} {SQL}", contact=SCRIPT)
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.narrative == f"{SCRIPT} {SQL}"
    assert report.contact == SCRIPT
    page = staff_client(operator).get(f"/en/staff/cases/{report.case_id}/").content.decode()
    assert SCRIPT not in page
    assert escape(SCRIPT) in page


@pytest.mark.parametrize("field", ["narrative", "links", "contact", "harm", "reporter_role", "age_group", "region"])
@pytest.mark.parametrize("payload", [SCRIPT, SQL])
def test_it_escapes_hostile_input_when_it_shows_the_form_again(field, payload, before, stored_counts):
    # A bad link makes every submission invalid, so each field's value comes back on the page.
    fields = {"links": "not a link"} | {field: payload}
    response = _post(Client(), **fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert payload not in page
    assert stored_counts() == before


def test_it_refuses_100_links_with_a_clear_message(before, stored_counts):
    links = "\n".join(f"https://example.com/post/{n}" for n in range(100))
    _refused(_post(Client(), links=links), "Please add at most 20 links.", stored_counts, before)


def test_it_refuses_a_50_mb_upload_with_413(before, stored_counts):
    upload = SimpleUploadedFile("huge.png", b"\x89PNG\r\n\x1a\n" + bytes(50 * 1024 * 1024), "image/png")
    response = _post(Client(), files=[upload])
    _refused(response, "A picture is too large. Each picture can be up to 10 MB.", stored_counts, before, status=413)


def test_it_refuses_a_request_over_the_total_limit_before_reading_it(settings, before, stored_counts):
    settings.REQUEST_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.png", bytes(2 * 1024 * 1024), "image/png")
    response = _post(Client(), files=[upload])
    _refused(response, "Your files are too large", stored_counts, before, status=413)


@pytest.mark.parametrize("path", ["/en/report/", "/en/staff/known-links/import/", "/en/staff/login/"])
def test_an_oversized_body_is_refused_before_the_csrf_check_parses_it(path, settings, before, stored_counts):
    # Without a CSRF token the check would answer 403 - after parsing the whole body to look
    # for one. The size is refused first, from the Content-Length header alone.
    settings.REQUEST_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.png", bytes(2 * 1024 * 1024), "image/png")
    response = Client(enforce_csrf_checks=True).post(path, {"narrative": STORY, "screenshots": [upload]})
    _refused(response, "Your files are too large", stored_counts, before, status=413)


def test_it_explains_a_too_large_request_in_the_reporters_language(settings, before, stored_counts, translated):
    translated("az", {"Your files are too large": "Fayllarınız çox böyükdür"})
    settings.REQUEST_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.png", bytes(2 * 1024 * 1024), "image/png")
    response = _post(Client(), language="az", files=[upload])
    _refused(response, "Fayllarınız çox böyükdür", stored_counts, before, status=413)


def test_it_refuses_a_pdf_renamed_to_png(before, stored_counts, images):
    upload = SimpleUploadedFile("screenshot.png", images.pdf(), "image/png")
    response = _post(Client(), files=[upload])
    _refused(response, "This file is not a picture we can accept.", stored_counts, before)


def test_it_refuses_a_decompression_bomb(before, stored_counts, images):
    upload = SimpleUploadedFile("bomb.png", images.bomb_png(), "image/png")
    assert upload.size < 1024 * 1024
    response = _post(Client(), files=[upload])
    _refused(response, "This picture is too big to open safely.", stored_counts, before)


def test_it_refuses_a_truncated_png(before, stored_counts, images):
    upload = SimpleUploadedFile("cut.png", images.truncated_png(), "image/png")
    response = _post(Client(), files=[upload])
    _refused(response, "This picture is damaged or incomplete.", stored_counts, before)


def test_it_refuses_more_pictures_than_allowed(before, stored_counts, images):
    uploads = [SimpleUploadedFile(f"{n}.png", images.png(), "image/png") for n in range(6)]
    _refused(_post(Client(), files=uploads), "Please add at most 5 pictures.", stored_counts, before)


def test_it_keeps_a_real_screenshot(reference, images):
    upload = SimpleUploadedFile("shot.png", images.png(40, 30), "application/octet-stream")
    assert _post(Client(), files=[upload]).status_code == 302
    attachment = Report.objects.get().attachments.get()
    assert (attachment.content_type, attachment.width, attachment.height) == ("image/png", 40, 30)


def test_it_rate_limits_wrong_case_codes_after_20_an_hour(reference, stored_counts):
    client = Client()
    statuses = [client.post("/en/status/", {"code": "2222-3333-4444-5555"}).status_code for _ in range(1000)]
    assert statuses[:20] == [400] * 20
    assert set(statuses[20:]) == {429}
    last = client.post("/en/status/", {"code": "2222-3333-4444-5555"})
    assert "Please wait an hour and try again." in last.content.decode()
    # The limit is per client: someone else can still look up their code.
    other = Client(REMOTE_ADDR="10.0.0.9").post("/en/status/", {"code": "2222-3333-4444-5555"})
    assert other.status_code == 400


def test_a_rate_limited_reporter_is_told_in_their_language(reference, settings, translated):
    settings.CODE_LOOKUPS_PER_HOUR = 1
    translated("ru", {"Too many tries": "Слишком много попыток"})
    client = Client()
    client.post("/ru/status/", {"code": "2222-3333-4444-5555"})
    response = client.post("/ru/status/", {"code": "2222-3333-4444-5555"})
    assert response.status_code == 429
    assert "Слишком много попыток" in response.content.decode()


def test_the_language_of_a_message_follows_the_page(reference):
    """Without any catalogue installed, the page still asks gettext in the page's language."""
    response = _post(Client(), language="az", narrative="")
    with translation.override("az"):
        expected = translation.gettext("Please write a few words about what happened.")
    assert escape(expected) in response.content.decode()
    assert 'lang="az"' in response.content.decode()
