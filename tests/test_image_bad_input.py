"""Pictures a reporter might send that are not what they seem: each is refused with a clear
reason and nothing stored, or accepted and only ever shown as a harmless still."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from himoya.hashes.models import ImageHash
from himoya.reports.models import Attachment
from tests import pictures
from tests.conftest import verified_client
from tests.hashes_fixtures import inline_hash_index  # noqa: F401

pytestmark = pytest.mark.django_db


def _post(name: str, data: bytes, content_type: str = "image/png"):
    return Client().post(
        "/en/report/",
        {
            "narrative": "Look at what they sent me.",
            "age_group": "13_17",
            "screenshots": [SimpleUploadedFile(name, data, content_type)],
        },
    )


@pytest.fixture
def before(reference, stored_counts):
    return stored_counts()


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("cut.png", "truncated", "This picture is damaged or incomplete. Please try another one."),
        ("huge.png", "huge", "This picture is too big to open safely. Please send a smaller screenshot."),
        ("IMG_0001.HEIC", "heic", "This photo is in HEIC/HEIF format (as iPhones save photos)"),
        ("drawing.svg", "svg", "This is an SVG drawing, not a picture file."),
        ("renamed.png", "pdf", "This file is not a picture we can accept."),
    ],
)
def test_it_refuses_with_a_clear_reason_and_stores_nothing(name, data, message, before, stored_counts, images):
    payload = {
        "truncated": images.truncated_png,
        "huge": lambda: pictures.huge_png(20_000, 20_000),
        "heic": pictures.heic,
        "svg": pictures.svg,
        "pdf": images.pdf,
    }[data]()
    response = _post(name, payload)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stored_counts() == before
    assert not ImageHash.objects.exists()


def test_an_animated_gif_is_accepted_and_only_ever_shown_as_a_still(reference, operator):
    response = _post("funny.gif", pictures.animated_gif(frames=6), "image/gif")
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert ImageHash.objects.get(attachment=attachment).frames == 6
    client = verified_client(operator)
    served = client.get(f"/en/staff/cases/attachments/{attachment.pk}/")
    assert served["Content-Type"] in ("image/jpeg", "image/png")
    assert getattr(Image.open(io.BytesIO(served.content)), "n_frames", 1) == 1
    page = client.get(f"/en/staff/cases/{attachment.report.case_id}/").content.decode()
    assert "animated, 6 frames: shown as a still" in page


def test_a_png_with_a_script_in_its_metadata_is_accepted_but_the_script_never_served(reference, operator):
    script = '<script>alert("owned")</script>'
    response = _post("innocent.png", pictures.png_with_script_in_metadata(script))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert script.encode() in bytes(attachment.data)  # kept as sent, as evidence
    client = verified_client(operator)
    for size in ("thumbnail", "large"):
        served = client.get(f"/en/staff/cases/attachments/{attachment.pk}/?size={size}")
        assert served.status_code == 200 and b"<script" not in served.content
        assert served["X-Content-Type-Options"] == "nosniff"
    assert "alert(" not in client.get(f"/en/staff/cases/{attachment.report.case_id}/").content.decode()
