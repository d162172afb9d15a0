"""Case codes: long enough not to be guessed, easy to read aloud, and kept only as a digest."""

from __future__ import annotations

import hashlib
import math
import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from himoya.lib import codes
from himoya.reports.models import Report

LOOK_ALIKES = set("0O1IL")
SHAPE = re.compile(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}")


def test_a_code_carries_at_least_60_bits():
    assert codes.LENGTH * math.log2(len(codes.ALPHABET)) >= 60
    assert len(set(codes.ALPHABET)) == len(codes.ALPHABET)


def test_the_alphabet_has_no_look_alikes():
    assert not LOOK_ALIKES & set(codes.ALPHABET)
    assert not LOOK_ALIKES & {ch.lower() for ch in codes.ALPHABET} - set("0123456789")


def test_codes_are_grouped_in_fours_and_use_only_the_alphabet():
    many = [codes.new_code() for _ in range(2000)]
    assert all(SHAPE.fullmatch(code) for code in many)
    assert len(set(many)) == len(many)
    # Every letter of the alphabet turns up: the generator uses all of it.
    assert set("".join(many).replace("-", "")) == set(codes.ALPHABET)


@pytest.mark.parametrize(
    "typed",
    [
        "k7mz-9qxd-pr4h-wt2c",
        "K7MZ9QXDPR4HWT2C",
        "  k7mz 9qxd pr4h wt2c ",
        "k7mz–9qxd—pr4h wt2c",  # dashes a phone keyboard inserts
        "K7MZ-9QXD-PR4H-WT2C\n",
        "k 7 m z 9 q x d p r 4 h w t 2 c",
    ],
)
def test_it_normalises_a_typed_code(typed):
    assert codes.normalise(typed) == "K7MZ-9QXD-PR4H-WT2C"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "K7MZ-9QXD-PR4H",
        "K7MZ-9QXD-PR4H-WT2C-AAAA",
        "K7MZ-9QXD-PR4H-WT2O",
        "K7MZ-9QXD-PR4H-WT21",
        "ЛЛЛЛ-9QXD-PR4H-WT2C",
    ],
)
def test_it_rejects_what_cannot_be_a_code(typed):
    assert codes.normalise(typed) is None


@pytest.mark.django_db
def test_a_case_keeps_only_the_digest_of_its_code(file_report, tables_containing):
    submission = file_report()
    code = submission.code
    assert Report.objects.get().code_digest == hashlib.sha256(code.encode()).hexdigest()
    assert tables_containing(code) == []
    assert tables_containing(code.replace("-", "")) == []


@pytest.mark.django_db
def test_the_code_is_nowhere_in_the_database_once_the_reporter_has_seen_it(reference, tables_containing):
    client = Client()
    client.post("/en/report/", {"narrative": "Someone made a fake page of me."})
    page = client.get("/en/report/done/").content.decode()
    code = re.search(r'id="case-code">([A-Z0-9-]+)<', page).group(1)
    assert tables_containing(code) == []
    assert tables_containing(code.replace("-", "")) == []
    # Sessions are stored encoded: look inside them too.
    for session in Session.objects.all():
        assert code not in repr(session.get_decoded())


@pytest.mark.django_db
def test_a_typed_code_opens_the_case_however_it_is_spaced(file_report):
    code = file_report().code
    client = Client()
    response = client.post("/en/status/", {"code": " " + code.lower().replace("-", " ") + " "})
    assert response.status_code == 302
    assert client.get("/en/status/case/").status_code == 200
