"""Any authenticated caller finds hospitals, their services and their doctors by the language they speak."""

import pytest
from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole

from carebridge.interop.tests.helpers import as_fhir, bearer, bundle_resources, token_for
from conftest import signed_in

pytestmark = pytest.mark.django_db

BCP47 = "urn:ietf:bcp:47"
TIMEZONE = "http://hl7.org/fhir/StructureDefinition/timezone"


def _ids(response):
    return [resource.id for resource in bundle_resources(as_fhir(response))]


def test_a_hospital_reads_as_an_organization_and_a_location_with_its_time_zone(guardian, haikou):
    client = signed_in(guardian)

    organization = client.get(f"/fhir/r4/Organization/{haikou.public_id}")
    location = client.get(f"/fhir/r4/Location/{haikou.public_id}")

    assert organization.status_code == location.status_code == 200
    org, place = as_fhir(organization), as_fhir(location)
    assert isinstance(org, Organization) and isinstance(place, Location)
    assert org.name == "Haikou International Hospital"
    assert org.type[0].coding[0].code == "prov"
    assert organization["ETag"] == f'W/"{org.meta.versionId}"'
    assert place.managingOrganization.reference == f"Organization/{haikou.public_id}"
    assert place.address.country == "CN"
    zone = next(extension for extension in place.extension if extension.url == TIMEZONE)
    assert zone.valueCode == "Asia/Shanghai"


def test_an_insurer_is_an_organization_but_an_agency_is_not_in_the_directory(guardian, cigna, agency):
    client = signed_in(guardian)

    insurer = as_fhir(client.get(f"/fhir/r4/Organization/{cigna.public_id}"))
    travel_agency = client.get(f"/fhir/r4/Organization/{agency.public_id}")

    assert insurer.type[0].coding[0].code == "ins"
    assert travel_agency.status_code == 404
    assert as_fhir(travel_agency).issue[0].code == "not-found"
    assert client.get(f"/fhir/r4/Location/{cigna.public_id}").status_code == 404


def test_the_coverage_payor_resolves_to_the_insurers_organization(coordinator, temuulens_policy, cigna):
    client = signed_in(coordinator)

    coverage = as_fhir(client.get(f"/fhir/r4/Coverage/{temuulens_policy.public_id}"))

    assert coverage.payor[0].reference == f"Organization/{cigna.public_id}"
    assert as_fhir(client.get(f"/fhir/r4/{coverage.payor[0].reference}")).name == "Cigna Global"


def test_a_service_is_a_healthcare_service_named_in_the_callers_language(system_client, agency, platform_admin,
                                                                         haikou, service):
    secret = token_for(agency, platform_admin)

    in_russian = system_client.get(f"/fhir/r4/HealthcareService/{service.public_id}", HTTP_ACCEPT_LANGUAGE="ru",
                                   **bearer(secret))
    in_english = system_client.get(f"/fhir/r4/HealthcareService/{service.public_id}", HTTP_ACCEPT_LANGUAGE="en",
                                   **bearer(secret))

    assert in_russian.status_code == 200
    russian, english = as_fhir(in_russian), as_fhir(in_english)
    assert isinstance(russian, HealthcareService)
    assert russian.name == "Консультация в международной клинике"
    assert english.name == "International clinic consultation"
    assert russian.providedBy.reference == f"Organization/{haikou.public_id}"
    assert russian.active is True and russian.appointmentRequired is True
    assert russian.category[0].coding[0].code == "international_clinic"
    assert russian.type[0].coding[0].code == "consult-international"


def test_services_are_found_by_hospital_name_in_any_language_and_whether_offered(guardian, haikou, chongqing,
                                                                                 service):
    withdrawn = service.__class__.objects.create(hospital=haikou, kind="imaging", code="mri", name="MRI scan",
                                                 duration_minutes=30, price="1200.00", is_active=False)
    client = signed_in(guardian)

    assert set(_ids(client.get("/fhir/r4/HealthcareService", {"organization": f"Organization/{haikou.public_id}"}))
               ) == {str(service.public_id), str(withdrawn.public_id)}
    assert _ids(client.get("/fhir/r4/HealthcareService", {"organization": str(chongqing.public_id)})) == []
    assert _ids(client.get("/fhir/r4/HealthcareService", {"active": "false"})) == [str(withdrawn.public_id)]
    assert _ids(client.get("/fhir/r4/HealthcareService", {"name": "КОНСУЛЬТАЦИЯ"})) == [str(service.public_id)]
    assert _ids(client.get("/fhir/r4/HealthcareService", {"name": "mri"})) == [str(withdrawn.public_id)]
    refused = client.get("/fhir/r4/HealthcareService", {"active": "maybe"})
    assert refused.status_code == 400 and as_fhir(refused).issue[0].code == "invalid"


def test_a_clinician_is_a_practitioner_with_the_languages_she_consults_in(guardian, dr_petrova):
    response = signed_in(guardian).get(f"/fhir/r4/Practitioner/{dr_petrova.public_id}")

    practitioner = as_fhir(response)
    assert isinstance(practitioner, Practitioner)
    assert practitioner.name[0].text == "Dr Anna Petrova"
    assert {(c.coding[0].system, c.coding[0].code) for c in practitioner.communication} == {(BCP47, "ru"),
                                                                                            (BCP47, "en")}
    assert response["ETag"] == f'W/"{practitioner.meta.versionId}"'


def test_practitioners_found_by_communication_ru_are_only_the_russian_speaking_ones(coordinator, dr_chen,
                                                                                    dr_petrova, dr_wang):
    client = signed_in(coordinator)

    assert _ids(client.get("/fhir/r4/Practitioner", {"communication": "ru"})) == [str(dr_petrova.public_id)]
    assert _ids(client.get("/fhir/r4/Practitioner", {"communication": f"{BCP47}|ru"})) == [
        str(dr_petrova.public_id)]
    assert set(_ids(client.get("/fhir/r4/Practitioner", {"communication": "zh"}))) == {str(dr_chen.public_id),
                                                                                      str(dr_wang.public_id)}
    assert as_fhir(client.get("/fhir/r4/Practitioner", {"communication": "http://example.org/langs|ru"})).total == 0
    assert _ids(client.get("/fhir/r4/Practitioner", {"name": "petrova"})) == [str(dr_petrova.public_id)]


def test_a_basic_command_of_a_language_is_not_listed_as_communication(guardian, dr_wang):
    practitioner = as_fhir(signed_in(guardian).get(f"/fhir/r4/Practitioner/{dr_wang.public_id}"))

    assert [c.coding[0].code for c in practitioner.communication] == ["zh-hans"]


def test_a_practitioner_role_links_the_doctor_the_hospital_and_the_services(guardian, haikou, service, dr_chen,
                                                                            dr_petrova):
    client = signed_in(guardian)

    role = as_fhir(client.get(f"/fhir/r4/PractitionerRole/{dr_chen.public_id}"))
    by_service = client.get("/fhir/r4/PractitionerRole", {"service": f"HealthcareService/{service.public_id}"})
    by_doctor = client.get("/fhir/r4/PractitionerRole", {"practitioner": f"Practitioner/{dr_petrova.public_id}"})
    by_hospital = as_fhir(client.get("/fhir/r4/PractitionerRole", {"organization": str(haikou.public_id)}))

    assert isinstance(role, PractitionerRole)
    assert role.practitioner.reference == f"Practitioner/{dr_chen.public_id}"
    assert role.organization.reference == f"Organization/{haikou.public_id}"
    assert [s.reference for s in role.healthcareService] == [f"HealthcareService/{service.public_id}"]
    assert set(_ids(by_service)) == {str(dr_chen.public_id), str(dr_petrova.public_id)}
    assert _ids(by_doctor) == [str(dr_petrova.public_id)]
    assert by_hospital.total == 2


@pytest.mark.parametrize("who", ["other_coordinator", "case_manager", "agent", "guardian"])
def test_the_directory_is_open_to_every_signed_in_caller(who, request, dr_chen, service, haikou):
    client = signed_in(request.getfixturevalue(who))

    for path in (f"Practitioner/{dr_chen.public_id}", f"HealthcareService/{service.public_id}",
                 f"Organization/{haikou.public_id}", f"Location/{haikou.public_id}"):
        assert client.get(f"/fhir/r4/{path}").status_code == 200


def test_the_directory_is_closed_to_anonymous_callers(client, dr_chen):
    response = client.get(f"/fhir/r4/Practitioner/{dr_chen.public_id}")

    assert response.status_code == 401
    assert as_fhir(response).issue[0].code == "login"


def test_an_id_that_is_not_a_uuid_is_simply_not_found(guardian):
    response = signed_in(guardian).get("/fhir/r4/Practitioner/dr-chen")

    assert response.status_code == 404
    assert as_fhir(response).issue[0].code == "not-found"
