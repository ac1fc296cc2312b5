"""Import an ECB-style reference-rate file (eurofxref XML or CSV); running it again changes nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from carebridge.catalog.rate_files import RATE_SOURCES
from carebridge.catalog.services import exchange_rates_import
from carebridge.core.errors import CareBridgeError


class Command(BaseCommand):
    help = "Import exchange rates (1 EUR = rate) from an ECB eurofxref XML or CSV file; all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="eurofxref-daily.xml, eurofxref.csv, or a file in the same format")
        parser.add_argument("--source", choices=RATE_SOURCES, default="ECB",
                            help="ECB for the central bank's file, manual for rates the hospital sets itself")

    def handle(self, *args, path, source, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            result = exchange_rates_import(content=file.read_bytes(), filename=file.name, source=source)
        except CareBridgeError as exc:
            raise CommandError(f"{exc.code}: {exc.message} Nothing was imported.") from exc
        self.stdout.write(
            f"Imported {', '.join(d.isoformat() for d in result.dates)}: {result.created} new, "
            f"{result.updated} changed, {result.unchanged} unchanged."
        )
