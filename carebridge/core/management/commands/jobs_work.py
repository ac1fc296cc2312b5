"""Run background jobs from the outbox until stopped (or once, with --once)."""

import time

from django.core.management.base import BaseCommand

from carebridge.core.jobs import jobs_run_due


class Command(BaseCommand):
    help = "Run due background jobs; jobs of a crashed worker are taken again when their lease expires."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run what is due, then exit.")
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args, once=False, interval=1.0, **options):
        while True:
            ran = jobs_run_due()
            if once:
                self.stdout.write(f"{ran} job(s) run")
                return
            if not ran:
                time.sleep(interval)
