from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_case_channel_region"),
        ("reports", "0002_report_code_digest"),
        ("telegram_channel", "0002_follow_reports"),
    ]

    operations = [
        migrations.RemoveField(model_name="case", name="code_digest"),
    ]
