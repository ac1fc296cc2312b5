"""Re-encrypt identity document numbers and recompute their search hashes with the newest key."""

from django.core.management.base import BaseCommand
from django.db import transaction

from carebridge.core import crypto
from carebridge.patients.models import IdentityDocument, document_number_hash


class Command(BaseCommand):
    help = ("Re-encrypt every stored document number with the first key of FIELD_ENCRYPTION_KEYS and recompute "
            "its search hash; afterwards the older keys can be removed.")

    @transaction.atomic
    def handle(self, *args, **options):
        count = 0
        for document in IdentityDocument.objects.select_for_update().iterator():
            number = crypto.decrypt(document.number_encrypted)
            document.number_encrypted = crypto.rotate(document.number_encrypted)
            document.number_hash = document_number_hash(number)
            document.save(update_fields=["number_encrypted", "number_hash", "updated_at"])
            count += 1
        self.stdout.write(f"{count} identity document(s) re-encrypted with the newest key")
