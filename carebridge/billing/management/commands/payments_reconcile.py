"""Repair online payments stuck in created/pending by asking their provider again (run it every few minutes)."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from carebridge.billing.online import payments_reconcile


class Command(BaseCommand):
    help = ("Open the checkout of intents recorded but never sent to their provider, and ask the provider how "
            "pending ones ended; a crash anywhere in the online payment flow is repaired by this.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=float, default=120.0,
                            help="Only intents untouched for this many seconds (default 120).")

    def handle(self, *args, older_than=120.0, **options):
        counts = payments_reconcile(older_than=timedelta(seconds=older_than))
        self.stdout.write(" ".join(f"{name}={value}" for name, value in counts.items()))
