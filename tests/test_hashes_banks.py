"""Supervisors manage hash lists through the staff pages: create, change, import (all rows
or none), export; every change is audited; operators and outsiders get no access."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from himoya.audit.models import Action, AuditEntry
from himoya.hashes.models import BankedHash, BankImport, HashBank
from himoya.lib.imports import ImportStatus
from himoya.reference.models import HarmCategory
from tests.conftest import verified_client
from tests.hashes_fixtures import inline_hash_index  # noqa: F401
from tests.pictures import make_bank

pytestmark = pytest.mark.django_db

H1, H2, H3 = "a" * 64, "0123456789abcdef" * 4, "f0" * 32


def _upload(client, bank, content: bytes, name: str = "list.csv"):
    from tests.conftest import committed

    with committed():
        response = client.post(
            f"/en/staff/hash-lists/{bank.pk}/import/", {"file": SimpleUploadedFile(name, content, "text/csv")}
        )
    return response


def _status_page(client, response) -> str:
    assert response.status_code == 302, response.content[:500]
    return client.get(response["Location"]).content.decode()


def test_a_supervisor_creates_a_list_with_hmas_defaults(supervisor):
    client = verified_client(supervisor)
    csam = HarmCategory.objects.get(code="csam")
    page = client.get("/en/staff/hash-lists/new/").content.decode()
    assert 'value="31"' in page and 'value="50"' in page
    response = client.post(
        "/en/staff/hash-lists/new/",
        {"name": "Hotline network", "source": "INHOPE", "harm": csam.pk, "never_show": "on",
         "max_distance": 31, "min_quality": 50, "enabled": "on"},
    )  # fmt: skip
    bank = HashBank.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/en/staff/hash-lists/{bank.pk}/"
    assert (bank.name, bank.source, bank.harm, bank.never_show, bank.enabled) == (
        "Hotline network", "INHOPE", csam, True, True,
    )  # fmt: skip
    entry = AuditEntry.objects.get(action=Action.HASH_BANK_CHANGED)
    assert entry.actor == supervisor and entry.detail["bank"] == bank.pk
    assert "Hotline network" in client.get("/en/staff/hash-lists/").content.decode()


def test_a_distance_over_63_or_a_quality_over_100_is_refused_with_a_message(supervisor):
    client = verified_client(supervisor)
    response = client.post(
        "/en/staff/hash-lists/new/",
        {"name": "X", "harm": HarmCategory.objects.get(code="csam").pk, "max_distance": 64, "min_quality": 101},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 63." in page
    assert "Ensure this value is less than or equal to 100." in page
    assert not HashBank.objects.exists()


def test_changing_a_list_records_which_fields_changed(supervisor):
    bank = make_bank()
    client = verified_client(supervisor)
    client.post(
        f"/en/staff/hash-lists/{bank.pk}/",
        {"name": bank.name, "harm": bank.harm_id, "never_show": "on", "max_distance": 20, "min_quality": 60},
    )
    bank.refresh_from_db()
    assert (bank.max_distance, bank.min_quality, bank.enabled) == (20, 60, False)
    entry = AuditEntry.objects.get(action=Action.HASH_BANK_CHANGED)
    assert entry.detail["fields"] == ["enabled", "max_distance", "min_quality"]


@pytest.mark.parametrize("persona", ["operator", "analyst", "outsider"])
def test_only_supervisors_reach_the_lists(persona, request):
    bank = make_bank()
    client = verified_client(request.getfixturevalue(persona))
    assert client.get("/en/staff/hash-lists/").status_code == 403
    assert client.get(f"/en/staff/hash-lists/{bank.pk}/export/").status_code == 403
    assert _upload(client, bank, f"{H1},x\n".encode()).status_code == 403
    assert not BankedHash.objects.exists()


def test_a_simple_file_is_imported_whole_and_audited(supervisor):
    bank = make_bank()
    client = verified_client(supervisor)
    page = _status_page(client, _upload(client, bank, f"hash,label\n{H1},first\n{H2.upper()},\n{H3},third\n".encode()))
    assert "3 hashes added." in page
    assert sorted(BankedHash.objects.values_list("label", flat=True)) == ["", "first", "third"]
    assert {h.pdq_hex for h in BankedHash.objects.all()} == {H1, H2, H3}
    job = BankImport.objects.get()
    assert (job.status, job.added, bytes(job.data)) == (ImportStatus.DONE, 3, b"")
    entry = AuditEntry.objects.get(action=Action.HASH_BANK_IMPORTED)
    assert entry.actor == supervisor and entry.detail["added"] == 3 and entry.detail["form"] == "simple"


def test_a_file_with_bad_rows_is_refused_whole_with_each_line_named(supervisor):
    bank = make_bank()
    client = verified_client(supervisor)
    content = f"{H1},ok\n{H1[:60]},short\n{'g' * 64},not hex\n{H2},ok\n{H1},again\n".encode()
    page = _status_page(client, _upload(client, bank, content))
    assert "Nothing was imported: 3 problems were found." in page
    assert "<td>2</td><td>The hash has 60 characters; a PDQ hash has 64 hex digits.</td>" in page
    assert "<td>3</td><td>The hash has characters other than 0–9 and a–f.</td>" in page
    assert "<td>5</td><td>The same hash is already on line 1 of this file.</td>" in page
    assert not BankedHash.objects.exists()
    assert not AuditEntry.objects.filter(action=Action.HASH_BANK_IMPORTED).exists()
    assert BankImport.objects.get().status == ImportStatus.REFUSED


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\xff\xfe\x00bad", "The file is not UTF-8 text."),
        (b"hash,label\n", "The file has no hashes."),
        (f"{H1},a,b\n".encode(), "Expected 1–2 columns, found 3."),
        (f"signal_type,signal_str,collab,category,tags\nmd5,{'a' * 32},c,POSITIVE_CLASS,\n".encode(), "not a PDQ hash"),
        (f"{H1},{'x' * 201}\n".encode(), "The label is longer than 200 characters."),
    ],
)
def test_malformed_files_get_a_clear_reason(supervisor, content, message):
    bank = make_bank()
    client = verified_client(supervisor)
    assert message in _status_page(client, _upload(client, bank, content))
    assert not BankedHash.objects.exists()


def test_a_python_threatexchange_csv_is_read_and_negative_rows_left_out(supervisor):
    bank = make_bank()
    rows = io.StringIO()
    writer = csv.DictWriter(rows, ["signal_type", "signal_str", "collab", "category", "tags"])
    writer.writeheader()
    for value, category, tags in [(H1, "POSITIVE_CLASS", "a b"), (H2, "NEGATIVE_CLASS", "")]:
        writer.writerow({"signal_type": "pdq", "signal_str": value, "collab": "C", "category": category, "tags": tags})
    client = verified_client(supervisor)
    page = _status_page(client, _upload(client, bank, rows.getvalue().encode()))
    assert "1 hash added." in page
    assert "1 row was marked by its source as not harmful (NEGATIVE_CLASS) and left out." in page
    assert [(h.pdq_hex, h.label) for h in BankedHash.objects.all()] == [(H1, "a b")]


def test_an_hma_export_is_read(supervisor):
    bank = make_bank()
    client = verified_client(supervisor)
    _upload(client, bank, f"{H1},123,456,2024-01-01,tag1 tag2\n{H2},124,457,2024-01-02,\n".encode())
    assert sorted((h.pdq_hex, h.label) for h in BankedHash.objects.all()) == sorted([(H1, "tag1 tag2"), (H2, "")])
    assert AuditEntry.objects.get(action=Action.HASH_BANK_IMPORTED).detail["form"] == "hma"


def test_importing_again_leaves_hashes_already_listed(supervisor):
    bank = make_bank()
    client = verified_client(supervisor)
    _upload(client, bank, f"{H1},x\n".encode())
    page = _status_page(client, _upload(client, bank, f"{H1},x\n{H2},y\n".encode()))
    assert "1 hash added." in page and "1 hash was already on the list." in page
    assert BankedHash.objects.count() == 2


def test_a_file_over_the_size_limit_is_refused_before_it_is_kept(supervisor, settings):
    settings.HASH_IMPORT_MAX_BYTES = 1024 * 1024
    bank = make_bank()
    client = verified_client(supervisor)
    response = _upload(client, bank, f"{H1},x\n".encode() * 16_000)
    assert response.status_code == 302
    assert "The file is too large. Files can be up to 1 MB." in client.get(response["Location"]).content.decode()
    assert not BankImport.objects.exists()


def test_the_status_page_polls_until_the_import_is_finished(supervisor):
    bank = make_bank()
    job = BankImport.objects.create(bank=bank, requested_by=supervisor, file_name="big.csv", data=b"")
    client = verified_client(supervisor)
    page = client.get(f"/en/staff/hash-lists/imports/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "<progress" in page
    fragment = client.get(f"/en/staff/hash-lists/imports/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert fragment.startswith('<div id="import-status"') and "<html" not in fragment
    job.status = ImportStatus.DONE
    job.save()
    assert "hx-trigger" not in client.get(f"/en/staff/hash-lists/imports/{job.pk}/").content.decode()


@pytest.mark.parametrize("form", ["simple", "threatexchange"])
def test_an_export_imports_back_into_another_list_unchanged(supervisor, form):
    source = make_bank(name="Source")
    for value, label in [(H1, "one"), (H2, "two")]:
        BankedHash.objects.create(bank=source, pdq=bytes.fromhex(value), label=label)
    client = verified_client(supervisor)
    response = client.get(f"/en/staff/hash-lists/{source.pk}/export/?format={form}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f'filename="source-{form}.csv"' in response["Content-Disposition"]
    exported = b"".join(response.streaming_content)
    exports = AuditEntry.objects.filter(action=Action.HASH_BANK_EXPORTED, actor=supervisor)
    assert exports.filter(detail__bank=source.pk).exists()
    target = make_bank(name="Target")
    _upload(client, target, exported)
    assert sorted((h.pdq_hex, h.label) for h in target.hashes.all()) == sorted([(H1, "one"), (H2, "two")])


def test_an_unknown_export_format_is_not_found(supervisor):
    bank = make_bank()
    assert verified_client(supervisor).get(f"/en/staff/hash-lists/{bank.pk}/export/?format=xml").status_code == 404


def test_the_admin_lists_banks_and_keeps_hashes_read_only(reference):
    from django.contrib import admin

    from himoya.hashes.models import Match

    assert {HashBank, BankedHash, BankImport, Match} <= set(admin.site._registry)
    assert not admin.site._registry[BankedHash].has_add_permission(None)
