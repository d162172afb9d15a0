from django.core.management.base import BaseCommand

from himoya.ops.rotation import reencrypt_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value with the first key of HIMOYA_ENCRYPTION_KEYS. "
        "Run after putting a new key first; afterwards the old keys can be removed."
    )

    def handle(self, *args, **options):
        for label, changed in reencrypt_all():
            self.stdout.write(f"{label}: {changed} re-encrypted")
