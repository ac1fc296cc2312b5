"""Load the demo organisations and accounts; running it again changes nothing."""

import base64

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from carebridge.accounts import demo
from carebridge.accounts.models import Membership, Organisation
from carebridge.accounts.services import platform_organisation
from carebridge.accounts.signals import demo_data_requested

User = get_user_model()


class Command(BaseCommand):
    help = "Create the demo hospitals, insurers, agencies and a sign-in for every role (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        orgs = {"carebridge": platform_organisation()}
        for slug, name, local, kind, country, city, zone, currency in demo.ORGANISATIONS:
            orgs[slug], _ = Organisation.objects.get_or_create(
                slug=slug,
                defaults={"name": name, "name_local": local, "kind": kind, "country": country, "city": city,
                          "time_zone": zone, "default_currency": currency},
            )
        for email, name, language, slug, role in demo.STAFF:
            user = self._user(email, name, language, "Asia/Shanghai")
            Membership.objects.get_or_create(user=user, organisation=orgs[slug], role=role)
            TOTPDevice.objects.get_or_create(user=user, name="demo authenticator",
                                             defaults={"key": demo.DEMO_TOTP_KEY, "confirmed": True})
            if role == "admin" and not user.is_staff:
                User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
        for email, name, language, zone, role in demo.PORTAL_USERS:
            user = self._user(email, name, language, zone)
            Membership.objects.get_or_create(user=user, organisation=orgs["carebridge"], role=role)
        users = {user.email: user for user in User.objects.filter(email__endswith=".demo")}
        demo_data_requested.send(sender=self.__class__, organisations=orgs, users=users)
        self._print_sign_ins()

    def _user(self, email, name, language, zone):
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=demo.DEMO_PASSWORD, full_name=name,
                                            language=language, time_zone=zone, email_verified_at=timezone.now())
        return user

    def _print_sign_ins(self):
        """Print every demo sign-in, including those other apps added in answer to the signal."""
        out = self.stdout
        out.write("")
        out.write(f"CareBridge demo sign-ins (password for all: {demo.DEMO_PASSWORD})")
        memberships = Membership.objects.filter(user__email__endswith=".demo").select_related(
            "user", "organisation").order_by("organisation__kind", "organisation__name", "role", "user__email")
        for membership in memberships:
            place = "portal" if membership.organisation.kind == "platform" and membership.role in (
                "patient", "guardian") else membership.organisation.slug
            out.write(f"  {membership.role:<22} {membership.user.email:<32} {place}")
        out.write("Staff need a second factor: add this key to an authenticator app (base32) "
                  "or run `.venv/bin/python manage.py demo_totp` for the current code:")
        out.write("  " + base64.b32encode(bytes.fromhex(demo.DEMO_TOTP_KEY)).decode())
        out.write("Open http://127.0.0.1:8000/")
