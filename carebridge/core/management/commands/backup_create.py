from django.core.management.base import BaseCommand, CommandError

from carebridge.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Write a consistent backup of the database and the stored files (with a manifest of counts and checksums)."

    def add_arguments(self, parser):
        parser.add_argument("destination", help="Directory in which the backup directory is created")

    def handle(self, *args, destination, **options):
        try:
            path = backup_create(destination=destination)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(path))
