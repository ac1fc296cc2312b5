"""The GOP cycle: eligibility, the request, questions, decisions, extensions, and who may decide."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from carebridge.core.errors import Conflict, NotFound, ValidationFailed
from carebridge.insurance import services
from carebridge.insurance.models import GopEvent, GuaranteeOfPayment
from carebridge.insurance.selectors import reason_text

pytestmark = pytest.mark.django_db


def test_direct_billing_applies_to_a_cigna_inpatient_stay_with_a_gop(policy, agreement, haikou):
    check = services.eligibility_check(policy=policy, hospital=haikou, setting="inpatient")

    assert check.direct_billing is True and check.gop_required is True
    assert check.reasons == ["gop_required"]


def test_without_an_agreement_the_reasons_say_why(policy, chongqing):
    check = services.eligibility_check(policy=policy, hospital=chongqing, setting="outpatient")

    assert check.direct_billing is False
    assert check.reasons == ["no_agreement"]
    assert "agreement" in reason_text("no_agreement")


def test_an_expired_policy_and_an_uncovered_plan_are_both_named(policy, agreement, haikou):
    agreement.plans = ["Cigna Global Silver"]
    agreement.save()
    policy.valid_to = timezone.localdate() - dt.timedelta(days=1)
    policy.save()

    check = services.eligibility_check(policy=policy, hospital=haikou, setting="inpatient")

    assert check.direct_billing is False
    assert set(check.reasons) == {"policy_expired", "plan_not_covered"}


def test_a_request_goes_to_the_insurer_with_a_deadline_before_admission(case_manager, gop, admission):
    from carebridge.notifications.models import InAppMessage

    assert gop.status == GuaranteeOfPayment.Status.REQUESTED
    assert gop.number.startswith("GOP-HAI-")
    assert timezone.localtime(gop.respond_by).date() == admission - dt.timedelta(days=1)
    assert InAppMessage.objects.filter(recipient=case_manager, link__contains=str(gop.public_id)).exists()


def test_a_request_too_close_to_admission_must_be_marked_urgent(policy, agreement, haikou, coordinator):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    kwargs = {"hospital": haikou, "policy": policy, "admission_date": tomorrow,
              "diagnoses": [{"code": "J18.9"}], "treatment_plan": "Admission", "requested_amount": "5000",
              "created_by": coordinator}
    with pytest.raises(ValidationFailed) as refused:
        services.gop_request(**kwargs)
    assert refused.value.code == "gop_too_late"
    assert not GuaranteeOfPayment.objects.exists()

    urgent = services.gop_request(**kwargs, urgent=True)
    assert urgent.events.get(kind=GopEvent.Kind.REQUESTED).note


def test_information_asked_and_given_then_approved_with_a_limit(gop, case_manager, cigna, coordinator):
    services.gop_info_request(gop=gop, question="Please send the chest X-ray report.", by=case_manager,
                              organisation=cigna)
    with pytest.raises(Conflict):
        services.gop_decide(gop=gop, decision="approve", limit="15000", by=case_manager, organisation=cigna)
    services.gop_info_provide(gop=gop, answer="Report attached.", by=coordinator)
    gop = services.gop_decide(gop=gop, decision="approve", limit="20000.00", deductible="500",
                              coinsurance_rate="0.1", conditions="Ward room only", by=case_manager,
                              organisation=cigna)

    assert gop.status == GuaranteeOfPayment.Status.APPROVED
    assert gop.approved_limit == Decimal("20000.00")
    assert [e.kind for e in gop.events.all()] == ["requested", "info_requested", "info_provided", "approved"]
    assert gop.messages.count() == 2


def test_another_insurer_cannot_decide_a_cigna_case(gop, aetna):
    from carebridge.accounts.models import Role
    from conftest import _person

    aetna_manager = _person("case@aetna.test", org=aetna, role=Role.INSURER_CASE_MANAGER)
    with pytest.raises(NotFound):
        services.gop_decide(gop=gop, decision="deny", reason="Not ours", by=aetna_manager, organisation=aetna)
    gop.refresh_from_db()
    assert gop.status == GuaranteeOfPayment.Status.REQUESTED


def test_an_approval_above_the_request_needs_a_reason(gop, case_manager, cigna):
    with pytest.raises(ValidationFailed) as refused:
        services.gop_decide(gop=gop, decision="approve", limit="25000", by=case_manager, organisation=cigna)
    assert refused.value.code == "limit_above_request"

    gop = services.gop_decide(gop=gop, decision="approve", limit="25000", reason="Room upgrade agreed",
                              by=case_manager, organisation=cigna)
    assert gop.approved_limit == Decimal("25000.00")


def test_a_denial_needs_a_reason_and_a_partial_approval_is_below_the_request(gop, case_manager, cigna):
    with pytest.raises(ValidationFailed):
        services.gop_decide(gop=gop, decision="deny", by=case_manager, organisation=cigna)
    with pytest.raises(ValidationFailed) as refused:
        services.gop_decide(gop=gop, decision="approve_part", limit="20000", by=case_manager, organisation=cigna)
    assert refused.value.code == "partial_not_below"


def test_an_extension_raises_the_limit_once_the_insurer_agrees(gop, case_manager, cigna, coordinator):
    services.gop_decide(gop=gop, decision="approve", limit="20000", by=case_manager, organisation=cigna)
    services.gop_extension_request(gop=gop, additional_amount="6000", reason="Two more nights", by=coordinator)
    with pytest.raises(Conflict):
        services.gop_extension_request(gop=gop, additional_amount="100", reason="again", by=coordinator)
    gop = services.gop_extension_decide(gop=gop, approve=True, by=case_manager, organisation=cigna)

    assert gop.approved_limit == Decimal("26000.00")


def test_the_reminder_job_nudges_the_insurer_once(gop, case_manager):
    from carebridge.insurance.tasks import gop_reminder

    gop_reminder(gop_id=gop.pk, status=gop.status)
    gop_reminder(gop_id=gop.pk, status=gop.status)

    assert gop.events.filter(kind=GopEvent.Kind.REMINDER).count() == 1
