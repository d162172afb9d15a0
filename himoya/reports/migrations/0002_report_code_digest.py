import hashlib
import secrets

from django.db import migrations, models


def copy_codes(apps, schema_editor):
    """Each case's code goes to its first report; any other report gets a code no one holds."""
    Case = apps.get_model("cases", "Case")
    Report = apps.get_model("reports", "Report")
    for case in Case.objects.only("pk", "code_digest").iterator():
        reports = list(Report.objects.filter(case_id=case.pk).order_by("id").only("pk"))
        for position, report in enumerate(reports):
            digest = case.code_digest if position == 0 else hashlib.sha256(secrets.token_bytes(32)).hexdigest()
            Report.objects.filter(pk=report.pk).update(code_digest=digest)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_case_channel_region"),
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="code_digest",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(copy_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="report",
            name="code_digest",
            field=models.CharField(max_length=64, unique=True),
        ),
    ]
