"""Demo interpreter pools: Haikou's staff, a contractor and college volunteers; Chongqing's Russian and English."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.dispatch import receiver
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from carebridge.accounts import demo
from carebridge.accounts.models import Membership, Role
from carebridge.accounts.signals import demo_data_requested
from carebridge.language.models import Interpreter, NavigatorAssignment
from carebridge.language.services import interpreter_add, navigator_assign
from carebridge.patients.selectors import patients_at

NATIVE, PROFESSIONAL = "native", "professional"
HAINAN_UNIVERSITY = "Hainan University, School of Foreign Languages (海南大学外国语学院)"
WORKING_WEEK = [(weekday, dt.time(7, 30), dt.time(17, 30)) for weekday in range(6)]  # Monday to Saturday

POOL = [
    # e-mail, name, UI language, hospital slug, kind, certification, organisation, languages
    ("interpreter@haikou.demo", "Bat-Erdene Sukh", "mn", "haikou-intl", "staff", "medical", "",
     [("mn", NATIVE), ("zh-Hans", PROFESSIONAL)]),
    ("interpreter.ru@haikou.demo", "Wang Lina", "zh-hans", "haikou-intl", "staff", "catti_2", "",
     [("ru", PROFESSIONAL), ("zh-Hans", NATIVE)]),
    ("interpreter.ar@haikou.demo", "Omar Haddad", "ar", "haikou-intl", "contractor", "none",
     "Hainan Language Services Co.", [("ar", NATIVE), ("zh-Hans", PROFESSIONAL)]),
    ("interpreter.en@haikou.demo", "Zhang Lei", "zh-hans", "haikou-intl", "staff", "catti_2", "",
     [("en", PROFESSIONAL), ("zh-Hans", NATIVE)]),
    ("interpreter.ko@haikou.demo", "Li Minji", "ko", "haikou-intl", "volunteer", "none", HAINAN_UNIVERSITY,
     [("ko", PROFESSIONAL), ("zh-Hans", NATIVE)]),
    ("interpreter.ja@haikou.demo", "Chen Yuki", "ja", "haikou-intl", "volunteer", "none", HAINAN_UNIVERSITY,
     [("ja", PROFESSIONAL), ("zh-Hans", NATIVE)]),
    ("interpreter.ru@chongqing.demo", "Liu Anna", "zh-hans", "chongqing-intl", "staff", "catti_2", "",
     [("ru", PROFESSIONAL), ("zh-Hans", NATIVE)]),
    ("interpreter.en@chongqing.demo", "Zhou Ming", "zh-hans", "chongqing-intl", "staff", "catti_3", "",
     [("en", PROFESSIONAL), ("zh-Hans", NATIVE)]),
]


def _account(email, name, language, users):
    user = users.get(email) or get_user_model().objects.filter(email=email).first()
    if user is None:
        user = get_user_model().objects.create_user(email=email, password=demo.DEMO_PASSWORD, full_name=name,
                                                    language=language, time_zone="Asia/Shanghai",
                                                    email_verified_at=timezone.now())
    TOTPDevice.objects.get_or_create(user=user, name="demo authenticator",
                                     defaults={"key": demo.DEMO_TOTP_KEY, "confirmed": True})
    return user


@receiver(demo_data_requested, dispatch_uid="language.demo")
def demo_interpreters_load(sender, organisations, users, **kwargs):
    """Create the demo interpreters (accounts, roles, pool entries); running it again changes nothing."""
    for email, name, language, slug, kind, certification, organisation, languages in POOL:
        hospital = organisations[slug]
        user = _account(email, name, language, users)
        users[email] = user
        Membership.objects.get_or_create(user=user, organisation=hospital, role=Role.INTERPRETER)
        user._carebridge_memberships = None  # the role was perhaps just added
        if not Interpreter.objects.filter(user=user, hospital=hospital).exists():
            interpreter_add(user=user, hospital=hospital, kind=kind, certification=certification,
                            organisation=organisation, languages=languages, windows=WORKING_WEEK)
    _demo_navigator(organisations["haikou-intl"], users)


def _demo_navigator(hospital, users):
    """Give Temuulen (the Mongolian one-year-old of the source story) the Mongolian interpreter as navigator."""
    navigator, coordinator = users.get("interpreter@haikou.demo"), users.get("coordinator@haikou.demo")
    temuulen = patients_at(hospital).filter(preferred_language="mn").order_by("created_at").first()
    if not (navigator and coordinator and temuulen):
        return
    if NavigatorAssignment.objects.filter(patient=temuulen, hospital=hospital, is_active=True).exists():
        return
    navigator_assign(patient=temuulen, navigator=navigator, hospital=hospital, language="mn",
                     start=timezone.localdate(), decided_by=coordinator)
