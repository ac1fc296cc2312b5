"""Claims: the final invoice reconciled against the GOP, adjudicated per line, paid in part, the rest the family's."""

from decimal import Decimal

import pytest

from carebridge.billing.ledger import ledger_totals, unbalanced_entries
from carebridge.billing.selectors import invoice_balance
from carebridge.core.errors import Conflict, ValidationFailed
from carebridge.insurance import services
from carebridge.insurance.models import Claim, ClaimLine, DirectBilling

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(gop, case_manager, cigna):
    return services.gop_decide(gop=gop, decision="approve", limit="3500.00", deductible="300",
                               coinsurance_rate="0.10", excluded_codes=["nurse-private"], by=case_manager,
                               organisation=cigna)


def test_an_invoice_is_direct_billed_only_under_a_valid_gop(final_invoice, gop, cashier):
    with pytest.raises(Conflict) as refused:
        services.direct_billing_mark(invoice=final_invoice, gop=gop, by=cashier)
    assert refused.value.code == "gop_required"
    assert not DirectBilling.objects.exists()


def test_the_claim_splits_deductible_coinsurance_exclusions_and_the_limit(final_invoice, approved, cashier):
    # Invoice: chest CT 900 + ward 3 x 1280 + private nurse 600 = 5340; the nurse is not covered.
    services.direct_billing_mark(invoice=final_invoice, gop=approved, by=cashier)
    claim = services.claim_create(invoice=final_invoice, by=cashier)

    covered = Decimal("4740.00")
    coinsurance = ((covered - 300) * Decimal("0.10")).quantize(Decimal("0.01"))
    assert claim.claimed == Decimal("5340.00")
    assert claim.not_covered == Decimal("600.00")
    assert claim.deductible == Decimal("300.00") and claim.coinsurance == coinsurance
    assert claim.over_limit == covered - 300 - coinsurance - Decimal("3500.00") == Decimal("496.00")
    assert claim.insurer_share == Decimal("3500.00")
    assert claim.patient_share == Decimal("1840.00")
    assert sum(line.insurer_amount for line in claim.lines.all()) == claim.insurer_share
    assert claim.lines.get(code="nurse-private").covered is False


def test_a_claim_without_a_gop_is_refused_where_the_agreement_needs_one(final_invoice, gop, cashier, policy):
    agreement = gop.agreement
    agreement.gop_rule = "always"
    agreement.save()
    with pytest.raises(Conflict) as refused:
        services.claim_create(invoice=final_invoice, by=cashier, policy=policy)
    assert refused.value.code == "claim_needs_gop"
    assert not Claim.objects.exists()


def test_a_second_final_claim_for_the_same_stay_is_refused(final_invoice, approved, cashier):
    services.direct_billing_mark(invoice=final_invoice, gop=approved, by=cashier)
    services.claim_create(invoice=final_invoice, by=cashier)
    with pytest.raises(Conflict) as refused:
        services.claim_create(invoice=final_invoice, by=cashier)
    assert refused.value.code == "claim_exists"
    assert Claim.objects.count() == 1


def test_adjudication_partial_payment_and_the_family_pays_the_rest(final_invoice, approved, cashier, case_manager,
                                                                   cigna, guardian):
    from carebridge.billing.services import payment_record
    from carebridge.notifications.models import InAppMessage

    services.direct_billing_mark(invoice=final_invoice, gop=approved, by=cashier)
    claim = services.claim_submit(claim=services.claim_create(invoice=final_invoice, by=cashier), by=cashier)
    decisions = {}
    for line in claim.lines.all():
        if line.code == "chest-ct":
            decisions[line.pk] = (ClaimLine.Decision.PARTIAL, line.insurer_amount - Decimal("100.00"),
                                  "CT priced above the schedule")
        elif line.covered:
            decisions[line.pk] = (ClaimLine.Decision.APPROVED, line.insurer_amount, "")
        else:
            decisions[line.pk] = (ClaimLine.Decision.DENIED, None, "Not covered by the plan")
    claim = services.claim_adjudicate(claim=claim, decisions=decisions, by=case_manager, organisation=cigna)
    assert claim.approved == Decimal("3400.00")

    with pytest.raises(ValidationFailed):
        services.claim_payment_record(claim=claim, amount="3400.01", remittance_reference="CG-R-1", by=cashier)
    claim = services.claim_payment_record(claim=claim, amount="2000.00", remittance_reference="CG-R-1", by=cashier)
    assert claim.status == Claim.Status.PARTIALLY_PAID
    claim = services.claim_payment_record(claim=claim, amount="2000.00", remittance_reference="CG-R-1", by=cashier)
    assert claim.paid == Decimal("2000.00")  # the same remittance twice is one payment
    claim = services.claim_payment_record(claim=claim, amount="1400.00", remittance_reference="CG-R-2", by=cashier)
    assert claim.status == Claim.Status.PAID

    due = invoice_balance(final_invoice)
    assert due == Decimal("1940.00")
    assert InAppMessage.objects.filter(recipient=guardian, link__contains=str(final_invoice.public_id)).exists()
    payment_record(hospital=final_invoice.hospital, patient=final_invoice.patient, invoice=final_invoice,
                   channel="card", amount=str(due), currency="CNY", received_by=cashier)
    final_invoice.refresh_from_db()
    assert final_invoice.status == "paid"
    debit, credit = ledger_totals()
    assert debit == credit and unbalanced_entries() == []


def test_an_approved_amount_above_the_insurers_part_is_refused(final_invoice, approved, cashier, case_manager, cigna):
    services.direct_billing_mark(invoice=final_invoice, gop=approved, by=cashier)
    claim = services.claim_submit(claim=services.claim_create(invoice=final_invoice, by=cashier), by=cashier)
    decisions = {line.pk: (ClaimLine.Decision.APPROVED, line.insurer_amount + 1, "") for line in claim.lines.all()}
    with pytest.raises(ValidationFailed) as refused:
        services.claim_adjudicate(claim=claim, decisions=decisions, by=case_manager, organisation=cigna)
    assert refused.value.code == "approved_above_share"
