"""Who sees what on the insurance pages: another insurer gets 404, the family sees its status and what it owes, bad
input shows translated errors and writes nothing, the figures are the hospital's own."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from carebridge.accounts.models import Role
from carebridge.insurance import services
from carebridge.insurance.models import Claim, ClaimLine, GuaranteeOfPayment
from conftest import _person, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def aetna_manager(aetna):
    return _person("case@aetna.test", org=aetna, role=Role.INSURER_CASE_MANAGER)


@pytest.fixture
def paid_in_part(gop, final_invoice, cashier, case_manager, cigna):
    """The Cigna case approved, the invoice direct-billed and claimed, adjudicated and 2000 CNY paid by Cigna."""
    gop = services.gop_decide(gop=gop, decision="approve", limit="20000", by=case_manager, organisation=cigna)
    services.direct_billing_mark(invoice=final_invoice, gop=gop, by=cashier)
    claim = services.claim_submit(claim=services.claim_create(invoice=final_invoice, by=cashier), by=cashier)
    decisions = {line.pk: (ClaimLine.Decision.APPROVED, line.insurer_amount, "") for line in claim.lines.all()}
    claim = services.claim_adjudicate(claim=claim, decisions=decisions, by=case_manager, organisation=cigna)
    return services.claim_payment_record(claim=claim, amount="2000.00", remittance_reference="CG-R-1", by=cashier)


def test_an_aetna_case_manager_gets_404_for_the_cigna_case_and_claim_pages(aetna_manager, paid_in_part):
    claim = paid_in_part
    gop = claim.gop
    client = signed_in(aetna_manager)

    assert client.get(reverse("insurance:gop", args=[gop.public_id])).status_code == 404
    assert client.get(reverse("insurance:claim", args=[claim.public_id])).status_code == 404
    assert client.post(reverse("insurance:gop_ask", args=[gop.public_id]), {"question": "?"}).status_code == 404
    assert client.post(reverse("insurance:gop_message", args=[gop.public_id]), {"body": "Hi"}).status_code == 404
    assert client.get(reverse("insurance:insurer_home")).context["waiting"] == []
    assert gop.messages.filter(body="Hi").count() == 0


def test_an_aetna_case_manager_cannot_decide_a_cigna_request(aetna_manager, gop):
    response = signed_in(aetna_manager).post(reverse("insurance:gop_decide", args=[gop.public_id]),
                                             {"decision": "deny", "reason": "Not ours"})

    assert response.status_code == 404
    gop.refresh_from_db()
    assert gop.status == GuaranteeOfPayment.Status.REQUESTED


def test_a_coordinator_of_another_hospital_and_the_family_of_another_patient_get_404(
        gop, other_coordinator, other_patient):
    assert signed_in(other_coordinator).get(reverse("insurance:gop", args=[gop.public_id])).status_code == 404
    assert signed_in(other_patient, second_factor=False).get(
        reverse("insurance:gop", args=[gop.public_id])).status_code == 404


def test_the_mother_sees_the_guarantee_the_claim_and_what_is_left_to_pay(guardian, paid_in_part, final_invoice):
    from carebridge.billing.selectors import invoice_balance

    claim = paid_in_part
    client = signed_in(guardian, second_factor=False)

    home = client.get(reverse("insurance:portal_home"))
    html = home.content.decode()
    assert home.status_code == 200
    assert claim.gop.number in html and claim.number in html
    assert reverse("billing:portal_invoice", args=[final_invoice.public_id]) in html
    record = home.context["records"][0]
    assert record["claims"][0].due == invoice_balance(final_invoice) > 0
    # The eligibility reasons are in her language (Mongolian).
    assert 'data-eligibility="inpatient" data-direct="yes"' in html

    gop_page = client.get(reverse("insurance:gop", args=[claim.gop.public_id]))
    assert gop_page.status_code == 200
    assert [t.name for t in gop_page.templates][0] == "insurance/portal/gop.html"
    assert "decision_form" not in gop_page.context
    claim_page = client.get(reverse("insurance:claim", args=[claim.public_id]))
    assert claim_page.context["due"] == final_invoice.total - Decimal("2000.00")
    # The family reads; it cannot act on the case.
    assert client.post(reverse("insurance:gop_message", args=[claim.gop.public_id]), {"body": "x"}).status_code == 404


def test_a_request_with_a_wrong_code_and_no_amount_shows_translated_errors_and_writes_nothing(
        coordinator, policy, agreement, temuulen, admission):
    client = signed_in(coordinator)  # the coordinator reads Chinese

    response = client.post(reverse("insurance:gop_new", args=[temuulen.public_id]), {
        "policy": str(policy.public_id), "setting": "inpatient", "diagnoses": "XYZ123 something",
        "treatment_plan": "Ward", "admission_date": admission.isoformat(), "requested_amount": ""})

    assert response.status_code == 400
    assert not GuaranteeOfPayment.objects.exists()
    form = response.context["form"]
    english = "Give the amount, or choose an accepted cost estimate."
    with translation.override("zh-hans"):
        expected = gettext(english)
    assert set(form.errors) == {"diagnoses", "requested_amount"}
    assert form.errors["requested_amount"] == [expected] and expected != english
    assert "XYZ123" in form.errors["diagnoses"][0]
    assert expected in response.content.decode()


def test_a_request_too_close_to_admission_is_refused_with_the_services_reason_on_the_form(
        coordinator, policy, agreement, temuulen):
    import datetime as dt

    from django.utils import timezone

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = signed_in(coordinator).post(reverse("insurance:gop_new", args=[temuulen.public_id]), {
        "policy": str(policy.public_id), "setting": "inpatient", "diagnoses": "J18.9",
        "treatment_plan": "Ward", "admission_date": tomorrow.isoformat(), "requested_amount": "5000"})

    assert response.status_code == 400
    assert "48" in " ".join(response.context["form"].non_field_errors())
    assert not GuaranteeOfPayment.objects.exists()


def test_a_partial_approval_not_below_the_request_is_refused_and_nothing_changes(gop, case_manager):
    response = signed_in(case_manager).post(reverse("insurance:gop_decide", args=[gop.public_id]),
                                            {"decision": "approve_part", "limit": "20000.00"})

    assert response.status_code == 400
    assert response.context["decision_form"].errors["limit"]
    gop.refresh_from_db()
    assert gop.status == GuaranteeOfPayment.Status.REQUESTED and gop.approved_limit == 0


def test_an_adjudication_above_the_insurers_part_is_refused_and_the_claim_stays_submitted(
        gop, final_invoice, cashier, case_manager, cigna):
    gop = services.gop_decide(gop=gop, decision="approve", limit="20000", by=case_manager, organisation=cigna)
    services.direct_billing_mark(invoice=final_invoice, gop=gop, by=cashier)
    claim = services.claim_submit(claim=services.claim_create(invoice=final_invoice, by=cashier), by=cashier)
    data = {}
    for index, line in enumerate(claim.lines.all()):
        data |= {f"decision_{index}": "approved", f"amount_{index}": str(line.insurer_amount + 1),
                 f"reason_{index}": ""}

    response = signed_in(case_manager).post(reverse("insurance:claim_adjudicate", args=[claim.public_id]), data)

    assert response.status_code == 400
    assert response.context["error"]
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED and claim.approved == 0


def test_the_figures_show_direct_billed_and_self_paid_by_insurer_and_a_csv(coordinator, paid_in_part, cashier):
    client = signed_in(coordinator)

    page = client.get(reverse("insurance:figures"))
    csv_response = client.get(reverse("insurance:figures") + "?format=csv")

    assert page.status_code == 200
    assert [row["name"] for row in page.context["rows"]] == ["Cigna Global"] or page.context["rows"][0]["count"] == 1
    assert page.context["direct_total"] == paid_in_part.invoice.total
    body = csv_response.content.decode()
    assert csv_response["Content-Type"].startswith("text/csv")
    assert paid_in_part.payer.name in body and str(paid_in_part.invoice.total) in body
    # A cashier works claims but does not read the hospital's figures.
    assert signed_in(cashier).get(reverse("insurance:figures")).status_code == 404
