"""Importing an International Patient Summary: the round trip from Haikou to Chongqing, and what is refused."""

import copy
import json

import pytest

from carebridge.audit.models import AuditEvent
from carebridge.clinical.models import (
    AllergyIntolerance,
    Condition,
    Immunization,
    MedicationStatement,
    Observation,
    Procedure,
)
from carebridge.clinical.terminology import vaccine_lookup
from carebridge.interop.ips.export import ips_bundle_build
from carebridge.interop.ips.importer import IpsRejected, ips_import
from carebridge.interop.ips.models import IpsImport
from carebridge.interop.tests.clinical_data import UNKNOWN_CODE, UNKNOWN_DISPLAY
from carebridge.patients.tests.factories import birth_yymmdd, registered_child, td3

CLINICAL_TABLES = (Condition, AllergyIntolerance, MedicationStatement, Immunization, Observation, Procedure, IpsImport)


@pytest.fixture
def temuulen_at_chongqing(guardian, chongqing):
    """Temuulen's record at Chongqing, made from his new passport before his summary arrives."""
    mrz = td3(surname="BATBAYAR", given="TEMUULEN", number="E87654321", nationality="MNG", birth=birth_yymmdd(1),
              sex="M", expiry="300101")
    return registered_child(guardian=guardian, hospital=chongqing, mrz=mrz)


@pytest.fixture
def summary(temuulen, record, guardian):
    """Temuulen's summary as Haikou exports it, in Mongolian and English."""
    return ips_bundle_build(patient=temuulen, language="mn", requested_by=guardian)


def _raw(bundle):
    return json.dumps(bundle, ensure_ascii=False).encode()


def _codes(rows):
    return sorted((row.code_system, row.code, row.display) for row in rows)


def test_temuulens_summary_from_haikou_round_trips_into_his_record_at_chongqing(
        temuulen, record, summary, temuulen_at_chongqing, other_coordinator):
    imported, created = ips_import(patient=temuulen_at_chongqing, raw=_raw(summary), imported_by=other_coordinator,
                                   via=IpsImport.Via.DESK)

    assert created
    here = temuulen_at_chongqing
    assert _codes(Condition.objects.filter(patient=here)) == _codes([record.pneumonia, record.from_home])
    unknown = Condition.objects.get(patient=here, code=UNKNOWN_CODE)
    assert (unknown.display, unknown.code_known, unknown.clinical_status, unknown.onset) == (
        UNKNOWN_DISPLAY, False, "resolved", record.from_home.onset)
    allergy = AllergyIntolerance.objects.get(patient=here)
    assert (allergy.display, allergy.criticality, allergy.reaction) == ("Penicillin", "high", "Hives")
    medicines = {row.display: row for row in MedicationStatement.objects.filter(patient=here)}
    assert set(medicines) == {"Vitamin D3 drops", "Azithromycin"}  # the stopped paracetamol is not a current medicine
    assert (medicines["Azithromycin"].code_system, medicines["Azithromycin"].code) == ("http://www.whocc.no/atc",
                                                                                        "J01FA10")
    assert medicines["Vitamin D3 drops"].dosage == "400 IU a day"
    vaccines = sorted((v.display, v.code, v.occurred_on, v.dose_number) for v in Immunization.objects.filter(
        patient=here))
    assert vaccines == sorted([("BCG", "19", record.bcg.occurred_on, 1),
                               ("Pentavalent vaccine (Mongolian schedule)", "", record.pentavalent.occurred_on, 2)])
    assert Immunization.objects.get(patient=here, code="19").vaccine_key == vaccine_lookup("19").key
    # Each row names where it came from and points at the import, which keeps the document as received.
    for model in (Condition, AllergyIntolerance, MedicationStatement, Immunization, Observation, Procedure):
        rows = model.objects.filter(patient=here)
        assert rows and all(row.source_import == imported.public_id for row in rows)
        assert all("Haikou International Hospital" in row.source for row in rows)
    assert imported.bundle == summary and imported.source_organisation == "Haikou International Hospital"
    assert imported.source_country == "CN"
    assert AuditEvent.objects.filter(action="ips.imported", object_id=str(imported.public_id)).count() == 1


def test_importing_the_same_summary_twice_adds_nothing_the_second_time(summary, temuulen_at_chongqing, guardian):
    first, _created = ips_import(patient=temuulen_at_chongqing, raw=_raw(summary), imported_by=guardian,
                                 via=IpsImport.Via.PORTAL)
    counts = [model.objects.count() for model in CLINICAL_TABLES]

    again, created = ips_import(patient=temuulen_at_chongqing, raw=_raw(summary), imported_by=guardian,
                                via=IpsImport.Via.PORTAL)

    assert not created and again == first
    assert [model.objects.count() for model in CLINICAL_TABLES] == counts


def _entry_index(bundle, resource_type):
    return next(i for i, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] == resource_type)


def _section(bundle, code):
    return next(s for s in bundle["entry"][0]["resource"]["section"] if s["code"]["coding"][0]["code"] == code)


def broken_reference(bundle):
    bundle["entry"][_entry_index(bundle, "Condition")]["resource"]["subject"]["reference"] = "urn:uuid:nobody"
    return "not-found", ".subject.reference"


def wrong_type_in_section(bundle):
    immunization = _section(bundle, "11369-6")["entry"][0]
    _section(bundle, "48765-2")["entry"].append(immunization)
    return "invalid", ".section[1].entry[1]"


def missing_problems_section(bundle):
    sections = bundle["entry"][0]["resource"]["section"]
    sections[:] = [s for s in sections if s["code"]["coding"][0]["code"] != "11450-4"]
    return "required", "Bundle.entry[0].resource.section"


def missing_composition(bundle):
    bundle["entry"].pop(0)
    return "required", "Bundle.entry[0].resource"


def not_a_document(bundle):
    bundle["type"] = "collection"
    return "invalid", "Bundle.type"


def invalid_icd10_code(bundle):
    condition = bundle["entry"][_entry_index(bundle, "Condition")]["resource"]
    condition["code"]["coding"][0]["code"] = "PNEUMONIA"
    return "code-invalid", ".code.coding[0].code"


def invalid_loinc_check_digit(bundle):
    observation = bundle["entry"][_entry_index(bundle, "Observation")]["resource"]
    observation["code"]["coding"][0]["code"] = "8867-5"
    return "code-invalid", ".code.coding[0].code"


def invalid_date(bundle):
    immunization = bundle["entry"][_entry_index(bundle, "Immunization")]["resource"]
    immunization["occurrenceDateTime"] = "2025-02-30"
    return "structure", ".occurrenceDateTime"


def future_date(bundle):
    condition = bundle["entry"][_entry_index(bundle, "Condition")]["resource"]
    condition["onsetDateTime"] = "2031-01-01"
    return "value", ".onsetDateTime"


def duplicate_full_url(bundle):
    bundle["entry"][3]["fullUrl"] = bundle["entry"][2]["fullUrl"]
    return "duplicate", "Bundle.entry[3].fullUrl"


def subject_mismatch(bundle):
    patient = bundle["entry"][_entry_index(bundle, "Patient")]["resource"]
    patient["birthDate"] = "1984-06-01"
    patient["name"] = [{"family": "Dorj", "given": ["Enkh"]}]
    return "business-rule", "Bundle.entry[0].resource.subject"


def not_the_ips_code(bundle):
    bundle["entry"][0]["resource"]["type"]["coding"][0]["code"] = "34133-9"
    return "value", "Bundle.entry[0].resource.type"


def entry_about_someone_else(bundle):
    index = _entry_index(bundle, "AllergyIntolerance")
    bundle["entry"].append({"fullUrl": "urn:uuid:0b4a7d59-8d2b-4c8f-9d86-6a3e5f0d2c11",
                            "resource": {"resourceType": "Patient", "id": "0b4a7d59-8d2b-4c8f-9d86-6a3e5f0d2c11",
                                         "birthDate": "1990-01-01"}})
    bundle["entry"][index]["resource"]["patient"]["reference"] = "urn:uuid:0b4a7d59-8d2b-4c8f-9d86-6a3e5f0d2c11"
    return "invalid", f"Bundle.entry[{index}].resource.patient"


def unknown_element(bundle):
    bundle["entry"][_entry_index(bundle, "Procedure")]["resource"]["surgeon"] = "Dr Bat"
    return "structure", ".surgeon"


DAMAGES = [broken_reference, wrong_type_in_section, missing_problems_section, missing_composition, not_a_document,
           invalid_icd10_code, invalid_loinc_check_digit, invalid_date, future_date, duplicate_full_url,
           subject_mismatch, not_the_ips_code, entry_about_someone_else, unknown_element]


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda damage: damage.__name__)
def test_a_damaged_summary_is_rejected_with_the_problem_and_writes_nothing(damage, summary, temuulen_at_chongqing,
                                                                           guardian):
    bundle = copy.deepcopy(summary)
    expected_code, expected_where = damage(bundle)
    counts = [model.objects.count() for model in CLINICAL_TABLES]

    with pytest.raises(IpsRejected) as rejected:
        ips_import(patient=temuulen_at_chongqing, raw=_raw(bundle), imported_by=guardian, via=IpsImport.Via.PORTAL)

    issues = rejected.value.issues
    assert any(issue.code == expected_code and issue.expression.endswith(expected_where) for issue in issues), [
        (i.code, i.expression, str(i.message)) for i in issues]
    assert rejected.value.status in (400, 422)
    assert [model.objects.count() for model in CLINICAL_TABLES] == counts
    assert AuditEvent.objects.filter(action="ips.import_rejected").count() == 1


@pytest.mark.parametrize(("raw", "status", "code"), [
    (b"{not json", 400, "structure"),
    (b"[1, 2]", 400, "structure"),
    (b'{"resourceType": "Patient", "id": "x"}', 422, "structure"),
    (b" " * (5 * 1024 * 1024 + 1), 413, "too-costly"),
], ids=["not-json", "not-an-object", "not-a-bundle", "oversized"])
def test_what_is_not_a_bundle_at_all_is_rejected_before_anything_else(raw, status, code, temuulen_at_chongqing,
                                                                     guardian):
    counts = [model.objects.count() for model in CLINICAL_TABLES]

    with pytest.raises(IpsRejected) as rejected:
        ips_import(patient=temuulen_at_chongqing, raw=raw, imported_by=guardian, via=IpsImport.Via.PORTAL)

    assert (rejected.value.status, rejected.value.issues[0].code) == (status, code)
    assert [model.objects.count() for model in CLINICAL_TABLES] == counts


def test_a_coordinator_may_confirm_the_identity_when_the_names_are_spelt_differently(summary, temuulen_at_chongqing,
                                                                                      other_coordinator):
    bundle = copy.deepcopy(summary)
    patient = bundle["entry"][_entry_index(bundle, "Patient")]["resource"]
    patient["name"] = [{"family": "Batbayaryn", "given": ["Temuulen"]}, {"text": "Т. Батбаярын"}]
    patient["birthDate"] = "2000-01-01"

    with pytest.raises(IpsRejected):
        ips_import(patient=temuulen_at_chongqing, raw=_raw(bundle), imported_by=other_coordinator, via="desk")
    imported, created = ips_import(patient=temuulen_at_chongqing, raw=_raw(bundle), imported_by=other_coordinator,
                                   via="desk", identity_confirmed=True)

    assert created and imported.identity_confirmed_by_staff
