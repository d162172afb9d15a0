import django.db.models.deletion
from django.db import migrations, models


def to_reports(apps, schema_editor):
    """A chat follows, and a link points at, the report made through Telegram in that case."""
    TelegramChat = apps.get_model("telegram_channel", "TelegramChat")
    ChatCase = apps.get_model("telegram_channel", "ChatCase")
    Report = apps.get_model("reports", "Report")

    def report_of(case_id):
        reports = Report.objects.filter(case_id=case_id).order_by("id")
        return (reports.filter(channel="telegram").first() or reports.first()) if case_id else None

    for link in ChatCase.objects.all():
        report = report_of(link.case_id)
        if report is None:
            link.delete()
        else:
            ChatCase.objects.filter(pk=link.pk).update(report=report)
    for chat in TelegramChat.objects.exclude(case=None):
        TelegramChat.objects.filter(pk=chat.pk).update(report=report_of(chat.case_id))


class Migration(migrations.Migration):
    dependencies = [
        ("telegram_channel", "0001_initial"),
        ("reports", "0002_report_code_digest"),
    ]

    operations = [
        migrations.AddField(
            model_name="chatcase",
            name="report",
            field=models.OneToOneField(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="telegram_link", to="reports.report"
            ),
        ),
        migrations.AddField(
            model_name="telegramchat",
            name="report",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="reports.report"
            ),
        ),
        migrations.RunPython(to_reports, migrations.RunPython.noop),
        migrations.RemoveField(model_name="chatcase", name="case"),
        migrations.RemoveField(model_name="telegramchat", name="case"),
        migrations.AlterField(
            model_name="chatcase",
            name="report",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE, related_name="telegram_link", to="reports.report"
            ),
        ),
    ]
