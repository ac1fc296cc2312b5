from django.core.management.base import BaseCommand, CommandError

from carebridge.core.backup import BackupError, backup_restore, backup_verify


class Command(BaseCommand):
    help = "Replace the database and the stored files with a backup, then check counts and checksums against it."

    def add_arguments(self, parser):
        parser.add_argument("source", help="A backup directory written by backup_create")
        parser.add_argument("--verify-only", action="store_true", help="Only check the backup's checksums")
        parser.add_argument("--yes", action="store_true", help="Do not ask before replacing the current data")

    def handle(self, *args, source, verify_only, yes, **options):
        try:
            manifest = backup_verify(source)
            if verify_only:
                self.stdout.write(f"backup {source} is intact ({len(manifest['counts'])} tables, "
                                  f"{len(manifest['media'])} stored files)")
                return
            if not yes and input("This replaces every record and stored file. Type 'restore' to go on: ") != "restore":
                raise CommandError("Nothing was changed.")
            found = backup_restore(source=source)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        wrong = {t: (n, found["counts"].get(t)) for t, n in manifest["counts"].items() if found["counts"].get(t) != n}
        if wrong or found["media"] != manifest["media"]:
            raise CommandError(f"Restored, but it does not match the backup: tables {wrong}, "
                               f"files match: {found['media'] == manifest['media']}")
        self.stdout.write(f"restored {sum(manifest['counts'].values())} rows in {len(manifest['counts'])} tables "
                          f"and {len(manifest['media'])} stored files; counts and checksums match")
