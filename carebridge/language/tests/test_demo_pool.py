"""The demo pools load once: running the demo again adds nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from carebridge.accounts.models import Membership, Organisation, OrganisationKind, Role
from carebridge.language.demo import demo_interpreters_load
from carebridge.language.models import Interpreter

pytestmark = pytest.mark.django_db


def test_the_demo_interpreter_pools_load_once_with_volunteers_from_the_college():
    orgs = {slug: Organisation.objects.create(slug=slug, kind=OrganisationKind.HOSPITAL, name=slug, country="CN")
            for slug in ("haikou-intl", "chongqing-intl")}
    existing = get_user_model().objects.create_user(email="interpreter@haikou.demo", password="x" * 20,
                                                    language="mn", email_verified_at=timezone.now())
    Membership.objects.create(user=existing, organisation=orgs["haikou-intl"], role=Role.INTERPRETER)

    demo_interpreters_load(sender=None, organisations=orgs, users={"interpreter@haikou.demo": existing})
    demo_interpreters_load(sender=None, organisations=orgs, users={})

    haikou = Interpreter.objects.filter(hospital=orgs["haikou-intl"])
    assert haikou.count() == 6 and Interpreter.objects.filter(hospital=orgs["chongqing-intl"]).count() == 2
    assert haikou.get(user=existing).languages.get(language="mn").level == "native"
    volunteers = haikou.filter(kind="volunteer")
    assert {v.user.email for v in volunteers} == {"interpreter.ko@haikou.demo", "interpreter.ja@haikou.demo"}
    assert all("Hainan University" in v.organisation for v in volunteers)
    assert haikou.get(user__email="interpreter.ru@haikou.demo").certification == "catti_2"
    assert haikou.get(user__email="interpreter.ar@haikou.demo").kind == "contractor"
    assert haikou.get(user__email="interpreter.en@haikou.demo").availability.count() == 6
    assert get_user_model().objects.get(email="interpreter.ru@haikou.demo").check_password("carebridge-demo-2026")
