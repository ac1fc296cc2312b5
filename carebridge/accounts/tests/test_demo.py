"""The demo data: two hospitals, five insurers, two agencies, staff for every role; loading twice changes nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from carebridge.accounts.models import Membership, Organisation, Role

pytestmark = pytest.mark.django_db


def snapshot():
    return (Organisation.objects.count(), get_user_model().objects.count(), Membership.objects.count())


def test_the_demo_has_the_promised_organisations_and_a_sign_in_for_every_role(capsys):
    call_command("demo_load")

    hospitals = Organisation.objects.filter(kind="hospital")
    assert sorted(h.city for h in hospitals) == ["Chongqing", "Haikou"]
    assert all(h.time_zone == "Asia/Shanghai" for h in hospitals)
    assert set(Organisation.objects.filter(kind="insurer").values_list("name", flat=True)) == {
        "Bupa Global", "Aetna International", "Cigna Global", "AXA", "Allianz Care"}
    assert Organisation.objects.filter(kind="agency").count() == 2
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    printed = capsys.readouterr().out
    assert "coordinator@haikou.demo" in printed and "carebridge-demo-2026" in printed


def test_loading_the_demo_twice_changes_nothing():
    call_command("demo_load")
    before = snapshot()

    call_command("demo_load")

    assert snapshot() == before
