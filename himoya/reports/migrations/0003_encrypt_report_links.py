"""Report links are encrypted at rest like the narrative: the plain JSON column is replaced
by an encrypted one and every row's links are carried over."""

from django.db import migrations

import himoya.lib.fields


def seal_links(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    for report in Report.objects.only("pk", "plain_links").iterator(chunk_size=500):
        Report.objects.filter(pk=report.pk).update(links=list(report.plain_links or []))


def open_links(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    for report in Report.objects.only("pk", "links").iterator(chunk_size=500):
        Report.objects.filter(pk=report.pk).update(plain_links=list(report.links or []))


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_report_code_digest"),
    ]

    operations = [
        migrations.RenameField(model_name="report", old_name="links", new_name="plain_links"),
        migrations.AddField(
            model_name="report",
            name="links",
            field=himoya.lib.fields.EncryptedJSONField(blank=True, default=list),
        ),
        migrations.RunPython(seal_links, open_links),
        migrations.RemoveField(model_name="report", name="plain_links"),
    ]
