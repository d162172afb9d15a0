import django.db.models.deletion
from django.db import migrations, models


def set_threads(apps, schema_editor):
    """Messages so far belong to the conversation with the case's first reporter."""
    Message = apps.get_model("conversations", "Message")
    Report = apps.get_model("reports", "Report")
    for case_id in Message.objects.values_list("case_id", flat=True).distinct():
        first = Report.objects.filter(case_id=case_id).order_by("id").values_list("pk", flat=True).first()
        Message.objects.filter(case_id=case_id).update(report_id=first)


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0001_initial"),
        ("reports", "0002_report_code_digest"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="report",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="messages", to="reports.report"
            ),
        ),
        migrations.RunPython(set_threads, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="message",
            name="report",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="messages", to="reports.report"
            ),
        ),
    ]
