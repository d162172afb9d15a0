"""The known-links page: search, add, delete, CSV import with per-line errors, export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from himoya.audit.models import Action, AuditEntry
from himoya.lib.imports import ImportProgress, ImportStatus
from himoya.links.actions import run_import
from himoya.links.listfile import MAX_FILE_BYTES
from himoya.links.models import KnownLink, LinkImport
from tests.conftest import committed, verified_client

pytestmark = pytest.mark.django_db

URL = "/en/staff/known-links/"

GOOD_AND_BAD = (
    "value,match,harm,source,note\n"
    "https://t.me/BlueWhale_Game,exact,dangerous_challenge,IWF,seen in May\n"
    "scam-prizes.xyz,domain,scam,,\n"
    "not a link at all,exact,scam,,\n"
    "youtube.com/@harmful,sometimes,self_harm,,\n"
    "t.me/other_channel,prefix,no_such_harm,,\n"
    "example.com/path,domain,scam,,\n"
    "\n"
    "# a comment line\n"
    "'@some_user,exact,cyberbullying,,\n"
)


def _upload(client, content: bytes | str, name="list.csv", url=URL, **fields):
    """Send a list; the worker (immediate in tests) applies it and the import's page answers."""
    data = content.encode() if isinstance(content, str) else content
    with committed():
        response = client.post(url + "import/", {"file": SimpleUploadedFile(name, data, "text/csv"), **fields})
    return client.get(response["Location"]) if response.status_code == 302 else response


def test_good_lines_are_imported_and_each_bad_line_is_named_with_why(supervisor):
    response = _upload(verified_client(supervisor), GOOD_AND_BAD, source="Center list")
    assert response.status_code == 200
    page = response.content.decode()
    assert sorted(KnownLink.objects.values_list("value", "match_type", "harm", "source")) == [
        ("@some_user", "exact", "cyberbullying", "Center list"),
        ("scam-prizes.xyz", "domain", "scam", "Center list"),
        ("t.me/bluewhale_game", "exact", "dangerous_challenge", "IWF"),
    ]
    assert "3 entries added." in page
    assert "4 lines had errors and were skipped; the other lines were imported." in page
    for line, why in [
        (4, "is not a web address or a user name"),
        (5, "Unknown match “sometimes”"),
        (6, "Unknown harm code “no_such_harm”"),
        (7, "A domain entry is a host name only"),
    ]:
        assert f"<td>{line}</td><td>" in page and why in page
    entry = AuditEntry.objects.get(action=Action.LINK_LIST_IMPORTED)
    assert entry.actor == supervisor and entry.detail == {"added": 3, "updated": 0, "rejected": 4, "strict": False}


def test_the_list_is_applied_by_the_worker_and_its_page_follows_it(supervisor, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = verified_client(supervisor)
    response = client.post(URL + "import/", {"file": SimpleUploadedFile("list.csv", GOOD_AND_BAD.encode())})
    job = LinkImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{URL}import/{job.pk}/"
    assert (job.status, job.file_name, job.language) == (ImportStatus.WAITING, "list.csv", "en")
    page = client.get(f"{URL}import/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "<progress" in page and "You can leave this page" in page
    assert not KnownLink.objects.exists()

    seen = []
    run_import(job, seen.append)
    assert seen[0] == ImportProgress("checking", 0, 7) and seen[-1] == ImportProgress("saving", 0, 3)
    job.refresh_from_db()
    assert (job.status, job.added, job.error_count, bytes(job.data)) == (ImportStatus.DONE, 3, 4, b"")
    fragment = client.get(f"{URL}import/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert fragment.startswith('<section id="import-status"') and "hx-trigger" not in fragment
    assert "3 entries added." in fragment
    assert "list.csv" in client.get(URL).content.decode()  # among the recent imports


def test_line_problems_are_written_in_the_language_the_file_was_sent_in(supervisor):
    page = _upload(verified_client(supervisor), GOOD_AND_BAD, url="/ru/staff/known-links/").content.decode()
    job = LinkImport.objects.get()
    assert job.language == "ru" and job.errors[2] == {"line": 6, "text": "Неизвестный код вида угрозы «no_such_harm»."}
    assert "Неизвестный код вида угрозы «no_such_harm»." in page


def test_an_import_the_worker_could_not_finish_says_nothing_was_imported(supervisor):
    job = LinkImport.objects.create(
        requested_by=supervisor, file_name="list.csv", language="en", status=ImportStatus.REFUSED, error_count=1
    )
    page = verified_client(supervisor).get(f"{URL}import/{job.pk}/").content.decode()
    assert "The import stopped on an error and nothing was imported." in page


def test_a_strict_import_with_a_bad_line_writes_nothing_and_says_so(supervisor):
    response = _upload(verified_client(supervisor), GOOD_AND_BAD, strict="on")
    assert response.status_code == 200
    assert "Nothing was imported: 4 lines have errors." in response.content.decode()
    assert not KnownLink.objects.exists()
    assert not AuditEntry.objects.filter(action=Action.LINK_LIST_IMPORTED).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("value;harm\nt.me/x_channel;scam\n".encode("cp1251") + "сайт".encode("cp1251"), "is not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "This is not a text file"),
        ("url,note\nt.me/x_channel,hello\n", "Missing: harm"),
        ("t.me/x_channel,exact,scam\n", "The first line must name the columns"),
        ("", "The submitted file is empty"),
        ('value,harm\n"t.me/' + "x" * 200_000 + '",scam\n', "cannot be read as CSV"),
    ],
)
def test_a_file_that_cannot_be_read_imports_nothing_with_a_clear_error(supervisor, content, message):
    response = _upload(verified_client(supervisor), content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not KnownLink.objects.exists()


def test_a_file_over_the_size_limit_is_refused(supervisor):
    response = _upload(verified_client(supervisor), b"value,harm\n" + b"#" * (MAX_FILE_BYTES + 1))
    assert response.status_code == 400
    assert "The file is too large" in response.content.decode()
    assert not KnownLink.objects.exists()


def test_semicolons_a_bom_and_a_domain_column_are_understood(supervisor):
    content = "\ufeffDomain;Harm;Source\nwww.Scam-Prizes.XYZ;scam;CERT\nsub.evil.uz;scam;CERT\n"
    response = _upload(verified_client(supervisor), content)
    assert response.status_code == 200
    assert set(KnownLink.objects.values_list("value", "match_type")) == {
        ("scam-prizes.xyz", "domain"),
        ("sub.evil.uz", "domain"),
    }


def test_importing_again_updates_rather_than_duplicates(supervisor):
    client = verified_client(supervisor)
    _upload(client, "value,harm,note\nt.me/x_channel,scam,first\n")
    response = _upload(client, "value,harm,note\nhttps://telegram.me/X_Channel/,hate_speech,second\n")
    assert "1 entry already listed was updated." in response.content.decode()
    assert list(KnownLink.objects.values_list("value", "harm", "note")) == [("t.me/x_channel", "hate_speech", "second")]


def test_the_export_reads_back_in_the_same_list(supervisor):
    client = verified_client(supervisor)
    _upload(client, GOOD_AND_BAD)
    response = client.get(URL + "export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    exported = b"".join(response.streaming_content).decode()
    assert AuditEntry.objects.filter(action=Action.LINK_LIST_EXPORTED, actor=supervisor).count() == 1
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0] == ["value", "match", "harm", "source", "note"]
    assert ["'@some_user", "exact", "cyberbullying", "", ""] in rows  # no formula for a spreadsheet to run
    before = sorted(KnownLink.objects.values_list("value", "match_type", "harm", "source", "note"))
    KnownLink.objects.all().delete()
    _upload(client, exported)
    assert sorted(KnownLink.objects.values_list("value", "match_type", "harm", "source", "note")) == before


def test_a_supervisor_adds_searches_and_deletes_entries(supervisor):
    client = verified_client(supervisor)
    response = client.post(
        URL, {"value": "HTTPS://T.ME/Bad_Channel", "match_type": "prefix", "harm": "scam", "source": "us", "note": ""}
    )
    assert response.status_code == 302
    entry = KnownLink.objects.get()
    assert entry.value == "t.me/bad_channel" and entry.added_by == supervisor
    client.post(URL, {"value": "other.uz", "match_type": "domain", "harm": "scam"})

    def listed(**query) -> list[str]:
        page = client.get(URL, query).content.decode()
        return re.findall(r'<td><code class="link-text">([^<]+)</code></td>', page)

    assert listed(q="telegram.me/BAD_CHANNEL") == ["t.me/bad_channel"]  # any spelling finds it
    assert listed(q="other") == ["other.uz"]
    assert listed(harm="scam", match_type="domain") == ["other.uz"]
    assert listed() == ["other.uz", "t.me/bad_channel"]

    assert client.post(f"{URL}{entry.pk}/delete/").status_code == 302
    assert list(KnownLink.objects.values_list("value", flat=True)) == ["other.uz"]
    changes = AuditEntry.objects.filter(action=Action.LINK_LIST_CHANGED).order_by("id")
    assert [c.detail.get("added", "deleted" in c.detail) for c in changes] == [True, True, True]
    assert changes.last().detail["deleted"] == [entry.pk]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"value": "no link here", "match_type": "exact", "harm": "scam"}, "value", "is not a web address"),
        ({"value": "evil.uz/page", "match_type": "domain", "harm": "scam"}, "value", "A domain entry is a host name"),
        ({"value": "@someone", "match_type": "prefix", "harm": "scam"}, "value", "can only match exactly"),
        ({"value": "https://www.youtube.com/", "match_type": "domain", "harm": "scam"}, "value", "is a whole platform"),
        ({"value": "t.me", "match_type": "prefix", "harm": "scam"}, "value", "is a whole platform"),
        ({"value": "evil.uz", "match_type": "domain", "harm": "nope"}, "harm", "Select a valid choice"),
    ],
)
def test_a_bad_entry_is_refused_with_a_reason_on_its_field(supervisor, data, field, message):
    response = verified_client(supervisor).post(URL, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="add_{field}_errors"' in page and message in page
    assert not KnownLink.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("get", "export.csv"), ("post", "import/"), ("get", "import/1/"), ("post", "1/delete/")],
)
def test_operators_and_outsiders_may_not_use_the_lists(operator, outsider, method, path):
    for user in (operator, outsider):
        response = getattr(verified_client(user), method)(URL + path)
        assert response.status_code == 403


def test_the_admin_lists_entries_and_deletes_them_with_an_audit_row(supervisor, django_user_model):
    from himoya.links.actions import add_known_link

    entry = add_known_link(supervisor, value="evil.uz", match_type="domain", harm="scam")
    admin = django_user_model.objects.create_superuser("root", password="x" * 20)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    client = verified_client(admin)
    assert "evil.uz" in client.get("/en/staff/admin/links/knownlink/").content.decode()
    response = client.post(f"/en/staff/admin/links/knownlink/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not KnownLink.objects.exists()
    assert AuditEntry.objects.filter(action=Action.LINK_LIST_CHANGED, actor=admin).exists()
