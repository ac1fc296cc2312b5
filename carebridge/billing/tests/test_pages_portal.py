"""The family's bills in the portal, and cost estimates built at the desk and accepted at home."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from carebridge.billing import services
from carebridge.billing.models import CostEstimate
from carebridge.patients.services import patient_register
from conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def maria_record(other_patient, chongqing):
    """Maria, a Filipino woman, holds her own record at Chongqing."""
    patient, _ = patient_register(
        registered_by=other_patient, hospital=chongqing, acting_as="self",
        consents=["personal_data", "sensitive_health_data"],
        details={"family_name": "Santos", "given_names": "Maria", "sex": "female",
                 "date_of_birth": dt.date(1988, 3, 15), "nationality": "PH", "preferred_language": "en",
                 "home_time_zone": "Asia/Manila", "phone": "+639171234567"}, consent_language="en")
    return patient


@pytest.fixture
def chest_ct_paid_in_part(issued_invoice, temuulen, haikou, cashier):
    services.payment_record(hospital=haikou, patient=temuulen, purpose="deposit", channel="cash", amount="300.00",
                            currency="CNY", received_by=cashier)
    return issued_invoice


def test_the_mother_sees_her_sons_invoice_deposit_and_balance_in_tugriks_beside_the_yuan(
        guardian, temuulen, chest_ct_paid_in_part):
    invoice = chest_ct_paid_in_part
    client = signed_in(guardian, second_factor=False)

    response = client.get(reverse("billing:portal_account"))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["patient"] == temuulen
    assert invoice.number in html
    account = response.context["account"]
    assert account["due"] == Decimal("900.00") and account["credit"] == Decimal("300.00")
    assert response.context["beside"]["currency"] == "MNT"
    assert response.context["beside"]["amount"] == Decimal("288000")  # 600 CNY at 480 MNT
    assert 'lang="mn"' in html


def test_the_mother_reads_the_itemised_invoice_with_its_diagnosis(guardian, issued_invoice):
    response = signed_in(guardian, second_factor=False).get(
        reverse("billing:portal_invoice", args=[issued_invoice.public_id]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "J44.9" in html and "Chest CT" in html and "chest-ct" in html


def test_a_patient_does_not_see_another_familys_account_or_invoice(other_patient, maria_record, temuulen,
                                                                   issued_invoice):
    client = signed_in(other_patient, second_factor=False)

    own = client.get(reverse("billing:portal_account"))
    assert own.status_code == 200 and own.context["patient"] == maria_record
    assert issued_invoice.number not in own.content.decode()
    assert client.get(reverse("billing:portal_account"), {"patient": str(temuulen.public_id)}).status_code == 404
    assert client.get(reverse("billing:portal_invoice", args=[issued_invoice.public_id])).status_code == 404


def test_someone_without_a_record_is_told_there_is_nothing_to_pay(other_patient):
    response = signed_in(other_patient, second_factor=False).get(reverse("billing:portal_account"))

    assert response.status_code == 200
    assert response.templates[0].name == "billing/portal/account_empty.html"


def test_a_cashier_opening_a_portal_invoice_link_lands_on_the_desk(cashier, issued_invoice):
    response = signed_in(cashier).get(reverse("billing:portal_invoice", args=[issued_invoice.public_id]))

    assert response.status_code == 302
    assert response.url == reverse("billing:cashier_invoice", args=[issued_invoice.public_id])


@pytest.mark.parametrize("language", ["ar", "ur"])
def test_the_account_and_the_cashiers_desk_read_right_to_left_in_arabic_and_urdu(
        language, guardian, cashier, temuulen, issued_invoice):
    guardian.language = cashier.language = language
    guardian.save(update_fields=["language"])
    cashier.save(update_fields=["language"])

    for client, url in ((signed_in(guardian, second_factor=False), reverse("billing:portal_account")),
                        (signed_in(guardian, second_factor=False),
                         reverse("billing:portal_invoice", args=[issued_invoice.public_id])),
                        (signed_in(cashier), reverse("billing:cashier_home")),
                        (signed_in(cashier), reverse("billing:cashier_patient", args=[temuulen.public_id]))):
        html = client.get(url).content.decode()
        assert f'<html lang="{language}" dir="rtl">' in html, url


def test_the_dashboard_links_the_cashier_to_the_desk_and_the_family_to_its_bills(cashier, guardian):
    assert reverse("billing:cashier_home") in signed_in(cashier).get(reverse("accounts:dashboard")).content.decode()
    assert reverse("billing:portal_account") in signed_in(guardian, second_factor=False).get(
        reverse("accounts:dashboard")).content.decode()


# Cost estimates -------------------------------------------------------------------------------------------------


def estimate_post(service, **overrides):
    data = {"title": "Chest CT and follow-up", "valid_until": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
            "currency": "MNT", "note": "Bring previous images.",
            "line-TOTAL_FORMS": "2", "line-INITIAL_FORMS": "0", "line-MIN_NUM_FORMS": "0", "line-MAX_NUM_FORMS": "50",
            "line-0-service": str(service.public_id), "line-0-quantity": "1", "line-0-low": "", "line-0-high": "",
            "line-1-service": "", "line-1-description": "Treatment if pneumonia is confirmed", "line-1-quantity": "1",
            "line-1-low": "2000.00", "line-1-high": "6000.00"}
    data.update(overrides)
    return data


def test_a_coordinator_builds_an_estimate_the_mother_accepts_it_in_tugriks(coordinator, guardian, temuulen,
                                                                           chest_ct, rates):
    desk = signed_in(coordinator)

    # Given the coordinator finds Temuulen and builds an estimate: a chest CT, and a treatment that may follow
    found = desk.get(reverse("billing:estimate_desk"), {"q": "Temuulen"})
    assert [p.pk for p in found.context["found"]] == [temuulen.pk]
    page = desk.get(reverse("billing:estimate_create", args=[temuulen.public_id]))
    assert page.context["form"].initial["currency"] == "MNT"
    response = desk.post(reverse("billing:estimate_create", args=[temuulen.public_id]), estimate_post(chest_ct))
    estimate = CostEstimate.objects.get()
    assert response.status_code == 302 and estimate.status == CostEstimate.Status.DRAFT
    assert [(line.unit_price_low, line.unit_price_high) for line in estimate.lines.all()] == [
        (Decimal("900.00"), Decimal("900.00")), (Decimal("2000.00"), Decimal("6000.00"))]

    # and sends it
    assert desk.post(reverse("billing:estimate_send", args=[estimate.public_id])).status_code == 302
    estimate.refresh_from_db()
    assert estimate.status == CostEstimate.Status.SENT and estimate.rate == Decimal("480")

    # When the mother opens it in the portal
    family = signed_in(guardian, second_factor=False)
    page = family.get(reverse("billing:portal_estimate", args=[estimate.public_id]))
    html = page.content.decode()
    assert page.status_code == 200 and 'lang="mn"' in html
    assert page.context["totals"]["low_converted"] == Decimal("1392000")   # 2900 CNY × 480
    assert page.context["totals"]["high_converted"] == Decimal("3312000")  # 6900 CNY × 480
    assert 'id="estimate-rate"' in html and "480" in html

    # Then she accepts it
    assert family.post(reverse("billing:portal_estimate", args=[estimate.public_id])).status_code == 302
    estimate.refresh_from_db()
    assert estimate.status == CostEstimate.Status.ACCEPTED and estimate.accepted_by == guardian


def test_an_estimate_with_an_upper_price_below_the_lower_is_refused_on_the_form(coordinator, temuulen, chest_ct,
                                                                                 rates):
    response = signed_in(coordinator).post(reverse("billing:estimate_create", args=[temuulen.public_id]),
                                           estimate_post(chest_ct, **{"line-1-high": "1000.00"}))

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not CostEstimate.objects.exists()


def test_a_draft_estimate_is_not_shown_to_the_family(coordinator, guardian, temuulen, chest_ct, rates):
    signed_in(coordinator).post(reverse("billing:estimate_create", args=[temuulen.public_id]),
                                estimate_post(chest_ct))
    estimate = CostEstimate.objects.get()

    response = signed_in(guardian, second_factor=False).get(
        reverse("billing:portal_estimate", args=[estimate.public_id]))

    assert response.status_code == 404


def test_another_hospitals_coordinator_cannot_prepare_an_estimate_for_the_patient(other_coordinator, temuulen):
    response = signed_in(other_coordinator).get(reverse("billing:estimate_create", args=[temuulen.public_id]))

    assert response.status_code == 404
