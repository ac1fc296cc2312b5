"""FHIR search is strict and exact: every parameter understood or refused, dates and tokens as FHIR defines them."""

import datetime as dt

import pytest

from carebridge.interop.tests.helpers import as_fhir, bundle_resources
from carebridge.patients.services import patient_register, record_number_assign
from conftest import signed_in

pytestmark = pytest.mark.django_db


def _ids(response):
    return [resource.id for resource in bundle_resources(as_fhir(response))]


STRICT = {"HTTP_PREFER": "handling=strict"}


@pytest.mark.parametrize("query", [{"gender": "male"}, {"_sort": "gender"}, {"_include": "Patient:organization"},
                                   {"name:exact": "Batbayar"}, {"identifier:of-type": "PPN"},
                                   {"birthdate": "sa2020-01-01"}])
def test_a_parameter_or_modifier_the_server_does_not_support_gets_400_under_strict_handling(query, coordinator,
                                                                                           temuulen):
    response = signed_in(coordinator).get("/fhir/r4/Patient", query, **STRICT)

    assert response.status_code == 400
    assert as_fhir(response).issue[0].code == "not-supported"


@pytest.mark.parametrize("resource_type", ["RelatedPerson", "Consent", "Coverage"])
def test_related_resources_refuse_unknown_parameters_too(resource_type, coordinator):
    response = signed_in(coordinator).get(f"/fhir/r4/{resource_type}", {"status": "active"}, **STRICT)

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


# Lenient handling, _sort, _include, _id and _lastUpdated

def test_an_unknown_parameter_is_ignored_by_default_and_left_out_of_the_self_link(coordinator, temuulen, aigerim):
    response = signed_in(coordinator).get("/fhir/r4/Patient", {"gender": "male", "family": "Batbayar",
                                                                "_sort": "gender"})

    bundle = as_fhir(response)
    assert response.status_code == 200
    assert [r.id for r in bundle_resources(bundle)] == [str(temuulen.public_id)]
    self_link = next(link.url for link in bundle.link if link.relation == "self")
    assert "family=Batbayar" in self_link and "gender" not in self_link


def test_an_unknown_modifier_is_refused_even_when_lenient(coordinator, temuulen):
    response = signed_in(coordinator).get("/fhir/r4/Patient", {"name:exact": "Batbayar"})

    assert response.status_code == 400
    assert as_fhir(response).issue[0].code == "not-supported"


def test_patients_sort_by_birthdate_either_way(coordinator, temuulen, aigerim):
    client = signed_in(coordinator)

    oldest_first = _ids(client.get("/fhir/r4/Patient", {"_sort": "birthdate"}))
    youngest_first = _ids(client.get("/fhir/r4/Patient", {"_sort": "-birthdate"}))

    assert oldest_first == [str(aigerim.public_id), str(temuulen.public_id)]
    assert youngest_first == list(reversed(oldest_first))


def test_observations_sort_by_date_and_page_in_that_order(haikou_clinician, record):
    client = signed_in(haikou_clinician)

    newest_first = _ids(client.get("/fhir/r4/Observation", {"_sort": "-date", "_count": "100"}))
    first_page = as_fhir(client.get("/fhir/r4/Observation", {"_sort": "-date", "_count": "2"}))
    next_url = next(link.url for link in first_page.link if link.relation == "next")
    second_page = as_fhir(client.get(next_url.removeprefix("http://testserver")))

    from carebridge.clinical.models import Observation
    expected = [str(o.public_id) for o in Observation.objects.filter(patient=record.heart_rate.patient).order_by(
        "-effective_at", "pk")]
    assert newest_first == expected
    assert "_sort=-date" in next_url
    assert [r.id for r in bundle_resources(first_page) + bundle_resources(second_page)] == expected[:4]


def test_observations_include_their_patient_once_and_audited(haikou_clinician, record, temuulen):
    from carebridge.audit.models import AuditEvent

    bundle = as_fhir(signed_in(haikou_clinician).get(
        "/fhir/r4/Observation", {"patient": str(temuulen.public_id), "_include": "Observation:patient"}))

    included = [entry for entry in bundle.entry if entry.search.mode == "include"]
    assert [entry.resource.id for entry in included] == [str(temuulen.public_id)]
    assert included[0].resource.get_resource_type() == "Patient"
    assert bundle.total == len([entry for entry in bundle.entry if entry.search.mode == "match"])
    assert AuditEvent.objects.filter(action="patient.read", patient_public_id=temuulen.public_id,
                                     details__parameters=["_include"]).exists()


def test_a_released_report_includes_its_results_for_the_mother_but_a_preliminary_one_is_not_given(
        guardian, record, temuulen):
    bundle = as_fhir(signed_in(guardian).get("/fhir/r4/DiagnosticReport",
                                             {"_include": "DiagnosticReport:result"}))

    matches = [e.resource for e in bundle.entry if e.search.mode == "match"]
    included = {e.resource.id for e in bundle.entry if e.search.mode == "include"}
    assert [r.id for r in matches] == [str(record.ct.public_id)]
    assert included == {str(record.ct_findings.public_id), str(record.ct_size.public_id)}


def test_id_and_last_updated_narrow_a_search(coordinator, temuulen, aigerim):
    client = signed_in(coordinator)
    today = temuulen.updated_at.date()

    by_id = _ids(client.get("/fhir/r4/Patient", {"_id": f"{aigerim.public_id},not-an-id"}))
    recent = _ids(client.get("/fhir/r4/Patient", {"_lastUpdated": f"ge{today - dt.timedelta(days=1)}"}))
    future = _ids(client.get("/fhir/r4/Patient", {"_lastUpdated": f"gt{today + dt.timedelta(days=1)}"}))

    assert by_id == [str(aigerim.public_id)]
    assert set(recent) == {str(temuulen.public_id), str(aigerim.public_id)}
    assert future == []


# Versions: ETag, meta.versionId, If-None-Match

def test_a_read_carries_its_version_and_answers_304_until_the_record_changes(coordinator, temuulen):
    client = signed_in(coordinator)
    url = f"/fhir/r4/Patient/{temuulen.public_id}"

    first = client.get(url)
    version = as_fhir(first).meta.versionId
    unchanged = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    temuulen.phone = "+97699112233"
    temuulen.save()
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first["ETag"] == f'W/"{version}"'
    assert unchanged.status_code == 304 and unchanged["ETag"] == first["ETag"] and not unchanged.content
    assert changed.status_code == 200
    assert as_fhir(changed).meta.versionId != version
    assert changed["ETag"] != first["ETag"]
