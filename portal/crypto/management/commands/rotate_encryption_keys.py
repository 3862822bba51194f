from django.core.management.base import BaseCommand

from portal.crypto import cipher, rotation


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column with the first key of "
        "FIELD_ENCRYPTION_KEYS and recompute the blind indexes, in batches. "
        "Run it after putting a new key first; drop the old key afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        self.stdout.write(f"Current key id: {cipher.current_key_id()}")
        counts = rotation.rotate_all(batch_size=batch_size, stdout=self.stdout)
        self.stdout.write(f"Re-encrypted {sum(counts.values())} rows.")
