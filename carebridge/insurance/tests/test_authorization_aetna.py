"""An Aetna case manager (or Aetna's system) cannot see or touch a Cigna case: pages, API and FHIR all answer 404,
as if the case did not exist, and every refusal is audited. Cigna's own case manager gets through (the control)."""

from decimal import Decimal

import pytest

from carebridge.accounts.models import Role
from carebridge.audit.models import AuditEvent
from carebridge.insurance import services
from carebridge.insurance.models import ClaimLine, ClaimPayment
from carebridge.interop.tests.helpers import as_fhir, bearer, bundle_resources, token_for
from conftest import _person, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def aetna_manager(aetna):
    return _person("case@aetna.test", org=aetna, role=Role.INSURER_CASE_MANAGER)


@pytest.fixture
def cigna_case(final_invoice, gop, cashier, case_manager, cigna):
    """A Cigna GOP approved, its claim submitted, adjudicated and paid in part: (gop, claim)."""
    gop = services.gop_decide(gop=gop, decision="approve", limit="3500.00", by=case_manager, organisation=cigna)
    services.direct_billing_mark(invoice=final_invoice, gop=gop, by=cashier)
    claim = services.claim_submit(claim=services.claim_create(invoice=final_invoice, by=cashier), by=cashier)
    decisions = {line.pk: (ClaimLine.Decision.APPROVED, line.insurer_amount, "") for line in claim.lines.all()}
    claim = services.claim_adjudicate(claim=claim, decisions=decisions, by=case_manager, organisation=cigna)
    claim = services.claim_payment_record(claim=claim, amount="1000.00", remittance_reference="CG-R-9", by=cashier)
    return gop, claim


def denials(public_id):
    return AuditEvent.objects.filter(action="access.denied", object_id=str(public_id),
                                     outcome=AuditEvent.Outcome.DENIED).count()


def page_requests(gop, claim):
    g, c = gop.public_id, claim.public_id
    return [
        (g, "get", f"/insurance/gop/{g}/", {}),
        (g, "post", f"/insurance/gop/{g}/decide/", {"decision": "approve", "limit": "1.00"}),
        (g, "post", f"/insurance/gop/{g}/ask/", {"question": "Send the CT report."}),
        (g, "post", f"/insurance/gop/{g}/extension/decide/", {"approve": "on", "amount": "10.00"}),
        (g, "post", f"/insurance/gop/{g}/message/", {"body": "Hello"}),
        (c, "get", f"/insurance/claims/{c}/", {}),
        (c, "post", f"/insurance/claims/{c}/adjudicate/", {}),
    ]


def api_requests(gop, claim):
    g, c = gop.public_id, claim.public_id
    line = claim.lines.first()
    return [
        (g, "get", f"/api/v1/gops/{g}", None),
        (g, "post", f"/api/v1/gops/{g}/decision", {"decision": "deny", "reason": "No."}),
        (g, "post", f"/api/v1/gops/{g}/questions", {"question": "Send the CT report."}),
        (g, "post", f"/api/v1/gops/{g}/extensions/decision", {"approve": True, "amount": "10.00"}),
        (g, "post", f"/api/v1/gops/{g}/messages", {"body": "Hello"}),
        (c, "get", f"/api/v1/claims/{c}", None),
        (c, "post", f"/api/v1/claims/{c}/adjudication",
         {"lines": [{"line_id": line.pk, "decision": "denied", "reason": "No."}]}),
    ]


def fhir_reads(gop, claim):
    payment = ClaimPayment.objects.get(claim=claim).payment
    return [
        (gop.public_id, f"/fhir/r4/Claim/gop-{gop.public_id}"),
        (gop.public_id, f"/fhir/r4/ClaimResponse/gop-{gop.public_id}"),
        (claim.public_id, f"/fhir/r4/Claim/claim-{claim.public_id}"),
        (claim.public_id, f"/fhir/r4/ClaimResponse/claim-{claim.public_id}"),
        (claim.public_id, f"/fhir/r4/PaymentReconciliation/{payment.public_id}"),
    ]


def test_aetna_gets_404_for_a_cigna_case_through_the_pages_each_refusal_audited(cigna_case, aetna_manager):
    gop, claim = cigna_case
    client = signed_in(aetna_manager)

    for public_id, method, path, data in page_requests(gop, claim):
        before = denials(public_id)
        response = getattr(client, method)(path, data)
        assert response.status_code == 404, (path, response.status_code)
        assert denials(public_id) == before + 1, path
    gop.refresh_from_db()
    assert gop.approved_limit == Decimal("3500.00") and not gop.messages.exists()


def test_aetna_gets_404_for_a_cigna_case_through_the_api_each_refusal_audited(cigna_case, aetna_manager):
    gop, claim = cigna_case
    client = signed_in(aetna_manager)

    for public_id, method, path, payload in api_requests(gop, claim):
        before = denials(public_id)
        if method == "get":
            response = client.get(path)
        else:
            response = client.post(path, payload, content_type="application/json")
        assert response.status_code == 404, (path, response.status_code, response.content[:300])
        assert denials(public_id) == before + 1, path
    listed = client.get("/api/v1/gops").json() + client.get("/api/v1/claims").json()
    assert str(gop.public_id) not in str(listed) and str(claim.public_id) not in str(listed)
    gop.refresh_from_db()
    claim.refresh_from_db()
    assert gop.status == "approved" and claim.status == "partially_paid"


def test_aetnas_system_gets_404_for_a_cigna_case_through_fhir_each_refusal_audited(client, cigna_case, aetna,
                                                                                   aetna_manager):
    gop, claim = cigna_case
    aetna_system = bearer(token_for(aetna, aetna_manager))

    for public_id, path in fhir_reads(gop, claim):
        before = denials(public_id)
        response = client.get(path, **aetna_system)
        assert response.status_code == 404, path
        assert as_fhir(response).issue[0].code == "not-found"
        assert denials(public_id) == before + 1, path
    for resource_type in ("Claim", "ClaimResponse", "PaymentReconciliation", "CoverageEligibilityRequest"):
        assert bundle_resources(as_fhir(client.get(f"/fhir/r4/{resource_type}", **aetna_system))) == []


def test_an_aetna_case_manager_signed_in_gets_404_through_fhir_too(cigna_case, aetna_manager):
    gop, claim = cigna_case
    client = signed_in(aetna_manager)

    for public_id, path in fhir_reads(gop, claim):
        before = denials(public_id)
        assert client.get(path).status_code == 404, path
        assert denials(public_id) == before + 1, path


def test_cignas_own_case_manager_and_system_read_the_same_case(client, cigna_case, cigna, case_manager):
    gop, claim = cigna_case
    person = signed_in(case_manager)
    cigna_system = bearer(token_for(cigna, case_manager))

    assert person.get(f"/insurance/gop/{gop.public_id}/").status_code == 200
    assert person.get(f"/insurance/claims/{claim.public_id}/").status_code == 200
    assert person.get(f"/api/v1/gops/{gop.public_id}").status_code == 200
    assert person.get(f"/api/v1/claims/{claim.public_id}").status_code == 200
    for _public_id, path in fhir_reads(gop, claim):
        assert client.get(path, **cigna_system).status_code == 200, path
