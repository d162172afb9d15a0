"""Every picture is fingerprinted at intake and matched against the hash lists in use; a
match makes the case P1 with the list named, is recorded, and a never-show list's match is
quarantined: never served or rendered, to anyone. Supervisors add pictures to lists."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from himoya.audit.models import Action, AuditEntry
from himoya.hashes import index
from himoya.hashes.matching import find_matches
from himoya.hashes.models import BankedHash, ImageHash, Match, ViewingPreference
from himoya.reference.models import Urgency
from himoya.reports.validation import check_image
from himoya.triage.engine.images import fingerprint
from tests.conftest import committed, make_staff, verified_client
from tests.hashes_fixtures import inline_hash_index  # noqa: F401
from tests.pictures import copy_of, list_hash, make_bank, plain_png, png

pytestmark = pytest.mark.django_db


def _file(file_report, *pictures: bytes, harm="cyberbullying"):
    images = [check_image(picture) for picture in pictures]
    return file_report(narrative="Someone sent this to my friend.", harm=harm, images=images)


def _reasons(case) -> list[dict]:
    return [reason for signal in case.signals.all() for reason in signal.reasons]


def test_every_picture_gets_its_fingerprint_at_intake(file_report):
    data = png(1)
    submission = _file(file_report, data)
    stored = ImageHash.objects.get()
    expected = fingerprint(data)
    assert stored.attachment.report == submission.report
    assert (bytes(stored.pdq), stored.quality, stored.md5, stored.sha256, stored.frames) == (
        expected.pdq, expected.quality, expected.md5, expected.sha256, 1,
    )  # fmt: skip
    assert stored.attachment.sha256 == expected.sha256 and not stored.quarantined
    assert not Match.objects.exists()


def test_a_copy_of_a_listed_picture_is_quarantined_and_the_case_made_p1_naming_the_list(file_report):
    bank = make_bank(name="National hotline list")
    listed = list_hash(bank, png(2))
    submission = _file(file_report, copy_of(2), png(3))
    case = submission.case
    case.refresh_from_db()
    assert case.urgency == Urgency.P1
    copy_hash, other_hash = ImageHash.objects.order_by("attachment_id")
    assert copy_hash.quarantined and not other_hash.quarantined
    match = Match.objects.get()
    assert (match.bank, match.banked_hash, match.attachment_id) == (bank, listed, copy_hash.attachment_id)
    assert 0 < match.distance <= 31
    hash_reasons = [r for r in _reasons(case) if r["signal"] == "hash"]
    assert hash_reasons and "National hotline list" in hash_reasons[0]["detail"]
    assert hash_reasons[0]["harm"] == "csam"
    entry = AuditEntry.objects.get(action=Action.ATTACHMENT_QUARANTINED)
    assert entry.case == case and entry.detail == {"attachment": copy_hash.attachment_id, "banks": [bank.pk]}


def test_a_list_that_may_show_its_pictures_raises_urgency_without_withholding(file_report):
    bank = make_bank(name="Known scam images", harm="scam", never_show=False)
    list_hash(bank, png(4))
    case = _file(file_report, png(4), harm=None).case
    case.refresh_from_db()
    assert case.urgency == Urgency.P1
    assert not ImageHash.objects.get().quarantined
    assert Match.objects.get().distance == 0
    assert any(r["signal"] == "hash" and r["harm"] == "scam" for r in _reasons(case))


def test_no_match_for_a_disabled_list_a_farther_copy_or_a_plain_picture(file_report):
    disabled = make_bank(name="Old", enabled=False)
    list_hash(disabled, png(5))
    strict = make_bank(name="Strict", max_distance=0)
    list_hash(strict, png(6))
    plain = make_bank(name="Plain")
    list_hash(plain, plain_png())
    case = _file(file_report, png(5), copy_of(6), plain_png()).case
    case.refresh_from_db()
    assert not Match.objects.exists()
    assert not ImageHash.objects.filter(quarantined=True).exists()
    assert case.urgency != Urgency.P1


def test_a_hash_added_after_the_index_was_built_still_matches_and_a_deleted_one_does_not():
    bank = make_bank()
    first = list_hash(bank, png(7))
    index.current()  # built now, holding only the first hash
    later = list_hash(bank, png(8))  # as if committed before this process saw the new version
    found_later = find_matches(fingerprint(png(8)).pdq, 100)
    assert [(f.banked_hash, f.distance) for f in found_later] == [(later, 0)]
    first.delete()
    assert find_matches(fingerprint(png(7)).pdq, 100) == []


def test_more_new_hashes_than_the_delta_limit_wait_for_a_fresh_index(monkeypatch):
    bank = make_bank()
    index.current()
    monkeypatch.setattr(index, "DELTA_LIMIT", 2)
    rows = [list_hash(bank, png(20 + n)) for n in range(4)]
    assert [f.banked_hash for f in find_matches(fingerprint(png(23)).pdq, 100)] == [rows[3]]
    assert index.current().watermark == rows[3].pk


@pytest.mark.django_db(transaction=True)
def test_a_list_change_rebuilds_the_index_in_the_background(settings, reference):
    from himoya.hashes.actions import create_bank
    from himoya.reference.models import HarmCategory

    settings.HASH_INDEX_BACKGROUND = True
    supervisor = make_staff("samira", "supervisor")
    with committed():
        bank = create_bank(supervisor, name="B", harm=HarmCategory.objects.get(code="csam"))
    list_hash(bank, png(30))
    before = index.current()  # the version changed: a rebuild starts in a thread
    assert index.fresh().watermark == BankedHash.objects.get().pk
    assert before.watermark in (0, BankedHash.objects.get().pk)
    assert len(index.current().index) == 1


def test_a_quarantined_picture_is_refused_to_everyone_and_never_rendered(file_report, operator, supervisor):
    list_hash(make_bank(), png(9))
    case = _file(file_report, png(9)).case
    attachment = case.reports.get().attachments.get()
    admin = make_staff("root", "administrator")
    admin.is_superuser = True
    admin.save()
    for user in (operator, supervisor, admin):
        client = verified_client(user)
        assert client.get(f"/en/staff/cases/attachments/{attachment.pk}/").status_code in (404, 410)
        assert client.get(f"/en/staff/cases/attachments/{attachment.pk}/?size=large").status_code in (404, 410)
    page = verified_client(admin).get(f"/en/staff/cases/{case.pk}/").content.decode()
    assert f"/staff/cases/attachments/{attachment.pk}/" not in page
    assert "Picture withheld" in page
    assert not AuditEntry.objects.filter(action=Action.ATTACHMENT_VIEWED).exists()


def test_a_picture_is_served_as_a_re_encoded_thumbnail_by_default(file_report, operator):
    data = png(10, size=(1200, 900))
    attachment = _file(file_report, data).report.attachments.get()
    client = verified_client(operator)
    response = client.get(f"/en/staff/cases/attachments/{attachment.pk}/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert response.content != data
    assert Image.open(io.BytesIO(response.content)).size == (480, 360)
    large = client.get(f"/en/staff/cases/attachments/{attachment.pk}/?size=large")
    assert Image.open(io.BytesIO(large.content)).size == (1200, 900)
    assert client.get(f"/en/staff/cases/attachments/{attachment.pk}/?size=original").status_code == 404
    assert AuditEntry.objects.filter(action=Action.ATTACHMENT_VIEWED).count() == 2


def test_the_case_page_shows_pictures_blurred_and_grey_unless_the_user_chose_otherwise(file_report, operator):
    case = _file(file_report, png(11)).case
    client = verified_client(operator)
    page = client.get(f"/en/staff/cases/{case.pk}/").content.decode()
    assert 'class="picture-frame is-blurred is-grey"' in page
    assert "Show this picture" in page and "reveal.js" in page
    response = client.post("/en/staff/hash-lists/picture-settings/", {"greyscale": "on"})
    assert response.status_code == 302
    assert ViewingPreference.objects.filter(user=operator, blur=False, greyscale=True).exists()
    page = client.get(f"/en/staff/cases/{case.pk}/").content.decode()
    assert 'class="picture-frame is-grey"' in page and "Blur again" in page
    settings_page = client.get("/en/staff/hash-lists/picture-settings/").content.decode()
    assert 'name="blur"' in settings_page and "checked" in settings_page


def test_an_operator_cannot_add_a_picture_to_a_list(file_report, operator):
    bank = make_bank()
    case = _file(file_report, png(12)).case
    attachment = case.reports.get().attachments.get()
    client = verified_client(operator)
    assert "Add to a hash list" not in client.get(f"/en/staff/cases/{case.pk}/").content.decode()
    response = client.post(f"/en/staff/hash-lists/pictures/{attachment.pk}/add/", {"bank": bank.pk})
    assert response.status_code == 403
    assert not BankedHash.objects.exists()


def test_a_supervisor_adds_a_picture_and_the_next_copy_is_recognised(file_report, supervisor):
    bank = make_bank(name="Seen before")
    first = _file(file_report, png(13)).case
    attachment = first.reports.get().attachments.get()
    client = verified_client(supervisor)
    assert "Add to a hash list" in client.get(f"/en/staff/cases/{first.pk}/").content.decode()
    response = client.post(f"/en/staff/hash-lists/pictures/{attachment.pk}/add/", {"bank": bank.pk, "label": "c1"})
    assert response.status_code == 302
    listed = BankedHash.objects.get()
    assert (listed.bank, listed.added_from, listed.added_by, listed.label) == (bank, attachment, supervisor, "c1")
    assert ImageHash.objects.get(attachment=attachment).quarantined
    assert {e.action for e in AuditEntry.objects.filter(case=first)} >= {
        Action.ATTACHMENT_BANKED,
        Action.ATTACHMENT_QUARANTINED,
    }
    again = client.post(f"/en/staff/hash-lists/pictures/{attachment.pk}/add/", {"bank": bank.pk}, follow=True)
    assert "This picture is already on the list “Seen before”." in again.content.decode()

    second = _file(file_report, copy_of(13)).case
    second.refresh_from_db()
    assert second.urgency == Urgency.P1
    assert Match.objects.get().bank == bank


def test_a_plain_picture_is_not_added_to_a_list(file_report, supervisor):
    bank = make_bank()
    case = _file(file_report, plain_png()).case
    attachment = case.reports.get().attachments.get()
    response = verified_client(supervisor).post(
        f"/en/staff/hash-lists/pictures/{attachment.pk}/add/", {"bank": bank.pk}, follow=True
    )
    assert "This picture is too plain to be recognised reliably (quality 0; this list needs at least 50)." in (
        response.content.decode()
    )
    assert not BankedHash.objects.exists()


def test_banking_a_picture_finds_its_earlier_copies_in_other_cases(file_report, supervisor):
    from himoya.cases.actions import close_case
    from himoya.cases.models import Status

    bank = make_bank(name="Seen before")  # never shows its pictures (the default)
    earlier = _file(file_report, png(21)).case
    closed = _file(file_report, copy_of(21)).case
    close_case(closed, supervisor, outcome="advice_given")
    unrelated = _file(file_report, png(22)).case
    assert earlier.urgency != Urgency.P1 and not Match.objects.exists()

    latest = _file(file_report, copy_of(21)).case
    attachment = latest.reports.get().attachments.get()
    with committed():
        verified_client(supervisor).post(f"/en/staff/hash-lists/pictures/{attachment.pk}/add/", {"bank": bank.pk})

    picture = ImageHash.objects.get(attachment__report__case=earlier)
    assert picture.quarantined and Match.objects.get(attachment=picture.attachment).bank == bank
    earlier.refresh_from_db()
    assert earlier.urgency == Urgency.P1
    assert any("Seen before" in str(reason) for reason in _reasons(earlier))
    assert AuditEntry.objects.filter(case=earlier, action=Action.ATTACHMENT_QUARANTINED).exists()
    # A closed case's copy is withheld too, and the case stays closed.
    assert ImageHash.objects.get(attachment__report__case=closed).quarantined
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED
    assert not ImageHash.objects.get(attachment__report__case=unrelated).quarantined


def test_an_imported_list_matches_pictures_already_stored(file_report, supervisor):
    earlier = _file(file_report, png(23)).case
    bank = make_bank(name="Partner list", never_show=False)
    content = f"hash,label\n{fingerprint(copy_of(23)).pdq.hex()},from partner\n".encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    with committed():
        verified_client(supervisor).post(
            f"/en/staff/hash-lists/{bank.pk}/import/", {"file": SimpleUploadedFile("list.csv", content, "text/csv")}
        )
    match = Match.objects.get()
    assert match.bank == bank and match.attachment.report.case == earlier
    assert not ImageHash.objects.get(attachment=match.attachment).quarantined  # this list may show its pictures
    earlier.refresh_from_db()
    assert earlier.urgency == Urgency.P1
