"""FHIR search is strict and exact: every parameter understood or refused, dates and tokens as FHIR defines them."""

import datetime as dt

import pytest

from carebridge.interop.tests.helpers import as_fhir, bundle_resources
from carebridge.patients.services import patient_register, record_number_assign
from conftest import signed_in

pytestmark = pytest.mark.django_db


def _ids(response):
    return [resource.id for resource in bundle_resources(as_fhir(response))]


@pytest.mark.parametrize("query", [{"gender": "male"}, {"_sort": "family"}, {"name:exact": "Batbayar"},
                                   {"identifier:of-type": "PPN"}, {"birthdate": "sa2020-01-01"}])
def test_a_parameter_or_modifier_the_server_does_not_support_gets_400(query, coordinator, temuulen):
    response = signed_in(coordinator).get("/fhir/r4/Patient", query)

    assert response.status_code == 400
    assert as_fhir(response).issue[0].code == "not-supported"


@pytest.mark.parametrize("resource_type", ["RelatedPerson", "Consent", "Coverage"])
def test_related_resources_refuse_unknown_parameters_too(resource_type, coordinator):
    response = signed_in(coordinator).get(f"/fhir/r4/{resource_type}", {"status": "active"})

    assert response.status_code == 400
    assert as_fhir(response).issue[0].code == "not-supported"


def test_json_is_the_only_format_asked_for_or_given(coordinator, temuulen):
    client = signed_in(coordinator)

    assert as_fhir(client.get("/fhir/r4/Patient", {"name": "Батбаяр", "_format": "json"})).total == 1
    refused = client.get("/fhir/r4/Patient", {"_format": "xml"})
    assert refused.status_code == 400 and as_fhir(refused).issue[0].code == "not-supported"


@pytest.mark.parametrize("query", [{"birthdate": "17/05/1990"}, {"birthdate": "1990-02-30"}, {"_count": "many"}])
def test_a_malformed_value_gets_400_invalid(query, coordinator):
    response = signed_in(coordinator).get("/fhir/r4/Patient", query)

    assert response.status_code == 400
    assert as_fhir(response).issue[0].code == "invalid"


def test_birthdate_matches_a_day_a_month_a_year_and_ranges(coordinator, temuulen, aigerim):
    client = signed_in(coordinator)
    born = temuulen.date_of_birth

    assert _ids(client.get("/fhir/r4/Patient", {"birthdate": "1990-05-17"})) == [str(aigerim.public_id)]
    assert _ids(client.get("/fhir/r4/Patient", {"birthdate": "eq1990-05"})) == [str(aigerim.public_id)]
    assert _ids(client.get("/fhir/r4/Patient", {"birthdate": "1990"})) == [str(aigerim.public_id)]
    assert _ids(client.get("/fhir/r4/Patient", {"birthdate": born.isoformat()})) == [str(temuulen.public_id)]
    assert _ids(client.get("/fhir/r4/Patient", {"birthdate": "ge2000-01-01"})) == [str(temuulen.public_id)]
    assert _ids(client.get("/fhir/r4/Patient", {"birthdate": "le2000-01-01"})) == [str(aigerim.public_id)]
    both_bounds = client.get("/fhir/r4/Patient?birthdate=ge1990-01-01&birthdate=le1990-12-31")
    assert _ids(both_bounds) == [str(aigerim.public_id)]
    assert as_fhir(client.get("/fhir/r4/Patient", {"birthdate": "lt1990-05-17"})).total == 0


def test_nationality_is_searched_by_iso_code(coordinator, temuulen, aigerim):
    client = signed_in(coordinator)

    assert _ids(client.get("/fhir/r4/Patient", {"nationality": "MN"})) == [str(temuulen.public_id)]
    assert _ids(client.get("/fhir/r4/Patient", {"nationality": "urn:iso:std:iso:3166|KAZ"})) == [
        str(aigerim.public_id)]
    assert as_fhir(client.get("/fhir/r4/Patient", {"nationality": "MN,KZ"})).total == 2
    assert as_fhir(client.get("/fhir/r4/Patient", {"nationality": "http://example.org/countries|MN"})).total == 0


def test_a_german_passport_carries_the_iso_code_and_is_found_by_it(coordinator, aigerim):
    client = signed_in(coordinator)

    found = client.get("/fhir/r4/Patient", {"identifier": "http://hl7.org/fhir/sid/passport-DEU|c01x00t47"})

    patient = bundle_resources(as_fhir(found))[0]
    assert patient.id == str(aigerim.public_id)
    assert any(i.system == "http://hl7.org/fhir/sid/passport-DEU" for i in patient.identifier)


def test_an_identifier_without_a_system_matches_a_passport_or_a_record_number(coordinator, temuulen, aigerim):
    client = signed_in(coordinator)
    number = temuulen.record_numbers.get().number

    assert _ids(client.get("/fhir/r4/Patient", {"identifier": "E12345678"})) == [str(temuulen.public_id)]
    assert _ids(client.get("/fhir/r4/Patient", {"identifier": number})) == [str(temuulen.public_id)]
    assert as_fhir(client.get("/fhir/r4/Patient", {"identifier": "|E12345678"})).total == 0


def test_parameters_combine_with_and_and_commas_with_or(coordinator, temuulen, aigerim):
    client = signed_in(coordinator)

    assert as_fhir(client.get("/fhir/r4/Patient", {"name": "Батбаяр", "nationality": "KZ"})).total == 0
    assert as_fhir(client.get("/fhir/r4/Patient", {"name": "Батбаяр,Әйгерім"})).total == 2


def test_results_are_paged_with_total_and_links(coordinator, temuulen, aigerim):
    client = signed_in(coordinator)

    first = as_fhir(client.get("/fhir/r4/Patient", {"_count": "1"}))
    links = {link.relation: link.url for link in first.link}
    second = as_fhir(client.get(links["next"].removeprefix("http://testserver")))

    assert first.total == second.total == 2
    assert len(first.entry) == len(second.entry) == 1
    assert first.entry[0].resource.id != second.entry[0].resource.id
    assert "next" not in {link.relation for link in second.link}
    assert "previous" in {link.relation for link in second.link}


def test_a_coordinator_sees_only_her_hospitals_record_number_but_the_guardian_sees_all(
        coordinator, other_coordinator, guardian, chongqing, temuulen):
    record_number_assign(patient=temuulen, hospital=chongqing)
    chongqing_number = temuulen.record_numbers.get(hospital=chongqing).number
    path = f"/fhir/r4/Patient/{temuulen.public_id}"

    def systems(user):
        return {i.system for i in as_fhir(signed_in(user).get(path)).identifier}

    assert "urn:carebridge:mrn:chongqing" not in systems(coordinator)
    assert {"urn:carebridge:mrn:haikou", "urn:carebridge:mrn:chongqing"} <= systems(guardian)
    assert systems(other_coordinator) >= {"urn:carebridge:mrn:chongqing"}
    by_chongqing_number = signed_in(coordinator).get(
        "/fhir/r4/Patient", {"identifier": f"urn:carebridge:mrn:chongqing|{chongqing_number}"})
    assert as_fhir(by_chongqing_number).total == 0


def test_the_desk_record_maps_address_contact_and_interpreter(coordinator, aigerim):
    patient = as_fhir(signed_in(coordinator).get(f"/fhir/r4/Patient/{aigerim.public_id}"))

    assert patient.gender == "female"
    assert patient.address[0].line == ["Abay Avenue 10", "Apartment 5"]
    assert (patient.address[0].city, patient.address[0].country) == ("Almaty", "KZ")
    assert {(t.system, t.value) for t in patient.telecom} == {("phone", "+77011234567"),
                                                              ("email", "aigerim@example.kz")}
    contact = patient.contact[0]
    assert contact.name.text == "Nurlan Nurlanov"
    assert contact.relationship[0].coding[0].code == "C"
    assert contact.telecom[0].value == "+77017654321"
    interpreter = next(e for e in patient.extension
                       if e.url == "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired")
    assert interpreter.valueBoolean is True


def test_a_patient_with_an_account_reads_and_finds_only_her_own_record(other_patient, temuulen, haikou):
    maria, _created = patient_register(
        registered_by=other_patient, hospital=haikou, acting_as="self",
        details={"family_name": "Santos", "given_names": "Maria", "sex": "female", "date_of_birth": dt.date(1985, 3, 2),
                 "nationality": "PH", "preferred_language": "en", "home_time_zone": "Asia/Manila"},
        consents=["personal_data", "sensitive_health_data"],
    )
    client = signed_in(other_patient)

    assert _ids(client.get("/fhir/r4/Patient")) == [str(maria.public_id)]
    assert client.get(f"/fhir/r4/Patient/{temuulen.public_id}").status_code == 404
