"""A patient's guardian, consents and insurance, read as RelatedPerson, Consent and Coverage."""

import pytest
from fhir.resources.R4B.consent import Consent as FhirConsent
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.relatedperson import RelatedPerson

from carebridge.audit.models import AuditEvent, Consent
from carebridge.audit.services import consent_withdraw
from carebridge.interop.tests.helpers import as_fhir, bearer, bundle_resources, token_for
from conftest import signed_in

pytestmark = pytest.mark.django_db


def test_the_coordinator_reads_the_mother_as_a_related_person(coordinator, guardian, temuulen):
    guardianship = temuulen.guardianships.get()

    response = signed_in(coordinator).get(f"/fhir/r4/RelatedPerson/{guardianship.public_id}")

    assert response.status_code == 200
    person = as_fhir(response)
    assert isinstance(person, RelatedPerson)
    assert person.patient.reference == f"Patient/{temuulen.public_id}"
    assert person.relationship[0].coding[0].system == "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
    assert person.relationship[0].coding[0].code == "MTH"
    assert person.name[0].text == guardian.full_name
    assert person.active is True


def test_the_guardians_of_a_patient_are_found_by_patient(coordinator, temuulen):
    response = signed_in(coordinator).get("/fhir/r4/RelatedPerson", {"patient": f"Patient/{temuulen.public_id}"})

    bundle = as_fhir(response)
    assert bundle.total == 1
    assert isinstance(bundle_resources(bundle)[0], RelatedPerson)


def test_the_consents_given_at_registration_are_fhir_consents(coordinator, temuulen):
    response = signed_in(coordinator).get("/fhir/r4/Consent", {"patient": str(temuulen.public_id)})

    bundle = as_fhir(response)
    assert bundle.total == 2
    consents = bundle_resources(bundle)
    assert all(isinstance(consent, FhirConsent) for consent in consents)
    for consent in consents:
        assert consent.status == "active"
        assert consent.scope.coding[0].code == "patient-privacy"
        assert (consent.category[0].coding[0].system, consent.category[0].coding[0].code) == (
            "http://loinc.org", "59284-0")
        assert consent.patient.reference == f"Patient/{temuulen.public_id}"
        assert consent.policy[0].uri.endswith(":2026-11")
        assert consent.performer[0].reference.startswith("RelatedPerson/")
    assert {consent.category[1].coding[0].code for consent in consents} == {"personal_data", "sensitive_health_data"}


def test_a_withdrawn_consent_is_inactive_with_the_end_of_its_period(coordinator, guardian, temuulen):
    stored = Consent.objects.get(subject_public_id=temuulen.public_id, kind="sensitive_health_data")
    consent_withdraw(consent=stored, withdrawn_by=guardian)

    response = signed_in(coordinator).get(f"/fhir/r4/Consent/{stored.public_id}")

    consent = as_fhir(response)
    assert consent.status == "inactive"
    assert consent.provision.period.end is not None


def test_the_insurance_policy_is_a_fhir_coverage(coordinator, temuulen, temuulens_policy):
    response = signed_in(coordinator).get(f"/fhir/r4/Coverage/{temuulens_policy.public_id}")

    coverage = as_fhir(response)
    assert isinstance(coverage, Coverage)
    assert coverage.status == "active"
    assert coverage.subscriberId == "CG-7788-01"
    assert coverage.beneficiary.reference == f"Patient/{temuulen.public_id}"
    assert coverage.payor[0].display == "Cigna Global"
    assert (coverage.class_fhir[0].type.coding[0].code, coverage.class_fhir[0].value) == ("plan",
                                                                                           "Global Health Gold")
    assert str(coverage.period.start) == "2026-01-01" and str(coverage.period.end) == "2026-12-31"


def test_coverage_is_found_by_patient_or_beneficiary(coordinator, temuulen, temuulens_policy):
    client = signed_in(coordinator)

    by_patient = as_fhir(client.get("/fhir/r4/Coverage", {"patient": str(temuulen.public_id)}))
    by_beneficiary = as_fhir(client.get("/fhir/r4/Coverage", {"beneficiary": f"Patient/{temuulen.public_id}"}))

    assert by_patient.total == by_beneficiary.total == 1
    assert bundle_resources(by_patient)[0].id == str(temuulens_policy.public_id)


def test_the_guardian_reads_her_childs_related_resources(guardian, temuulen, temuulens_policy):
    client = signed_in(guardian)

    for resource_type in ("RelatedPerson", "Consent", "Coverage"):
        bundle = as_fhir(client.get(f"/fhir/r4/{resource_type}", {"patient": str(temuulen.public_id)}))
        assert bundle.total >= 1


@pytest.mark.parametrize("who", ["other_coordinator", "case_manager", "agent"])
def test_people_outside_his_care_see_none_of_his_related_resources(who, request, temuulen, temuulens_policy):
    client = signed_in(request.getfixturevalue(who))
    consent = Consent.objects.filter(subject_public_id=temuulen.public_id).first()
    reads = {
        "RelatedPerson": temuulen.guardianships.get().public_id,
        "Consent": consent.public_id,
        "Coverage": temuulens_policy.public_id,
    }

    for resource_type, public_id in reads.items():
        read = client.get(f"/fhir/r4/{resource_type}/{public_id}")
        search = client.get(f"/fhir/r4/{resource_type}", {"patient": str(temuulen.public_id)})
        assert read.status_code == 404
        assert as_fhir(read).issue[0].code == "not-found"
        assert as_fhir(search).total == 0


def test_the_insurers_own_token_does_not_read_the_coverage_it_pays(system_client, cigna, platform_admin,
                                                                    temuulens_policy):
    secret = token_for(cigna, platform_admin)

    response = system_client.get(f"/fhir/r4/Coverage/{temuulens_policy.public_id}", **bearer(secret))

    assert response.status_code == 404


def test_reads_and_searches_of_related_resources_are_audited(coordinator, temuulen, temuulens_policy):
    client = signed_in(coordinator)

    client.get(f"/fhir/r4/Coverage/{temuulens_policy.public_id}")
    client.get("/fhir/r4/Consent", {"patient": str(temuulen.public_id)})

    reads = AuditEvent.objects.filter(action="patient.read", patient_public_id=temuulen.public_id,
                                      actor_public_id=coordinator.public_id)
    assert sorted(reads.values_list("purpose", flat=True)) == ["fhir-read", "fhir-search"]
    assert reads.get(purpose="fhir-search").details["resource"] == "Consent"
