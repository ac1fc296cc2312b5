"""Print the current second-factor code of the demo staff accounts (demo data only)."""

import time

from django.core.management.base import BaseCommand
from django_otp.oath import totp

from carebridge.accounts import demo


class Command(BaseCommand):
    help = "Print the current TOTP code that the demo staff accounts accept."

    def handle(self, *args, **options):
        code = totp(bytes.fromhex(demo.DEMO_TOTP_KEY), step=30, t0=0, digits=6, drift=0)
        self.stdout.write(f"{code:06d}  (valid for {30 - int(time.time()) % 30} more seconds)")
