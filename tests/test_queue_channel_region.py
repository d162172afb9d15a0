"""Cases carry the channel and region of the report that opened them, so the queue filters
on them without reading reports; cases from before the columns existed are filled in."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from himoya.cases.models import Case
from himoya.reference.models import Region
from himoya.reports.models import Channel, Report

pytestmark = pytest.mark.django_db

migration = importlib.import_module("himoya.cases.migrations.0004_case_channel_region")


def test_existing_cases_get_the_channel_and_region_of_their_first_report(file_report):
    baku, tashkent = Region.objects.get(code="AZ-BA"), Region.objects.filter(country="UZ").first()
    first = file_report(channel=Channel.TELEGRAM, region=baku)
    later = Report.objects.create(
        case=first.case, channel=Channel.WEB, language="en", narrative="more", region=tashkent, code_digest="f" * 64
    )
    assert later.received_at > first.report.received_at
    plain = file_report(channel=Channel.WEB).case
    alone = Case.objects.create(harm=plain.harm, language="en", deadline=plain.deadline)
    Case.objects.update(channel="", region=None)

    migration.copy_channel_and_region(apps, None)

    assert Case.objects.filter(pk=first.case.pk, channel=Channel.TELEGRAM, region=baku).exists()
    assert Case.objects.filter(pk=plain.pk, channel=Channel.WEB, region=None).exists()
    assert Case.objects.filter(pk=alone.pk, channel="", region=None).exists()
