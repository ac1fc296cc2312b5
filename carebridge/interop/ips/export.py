"""Export a patient's record as an International Patient Summary: a FHIR R4 document Bundle.

The Bundle holds a Composition first (LOINC 60591-5) and then every resource it refers to, each with a
`urn:uuid:` fullUrl, so that every reference resolves inside the document. Problems, allergies and medicines
are always present (with an empty reason when the record has none); immunizations, results, procedures and
vital signs when the record has them. Each section's narrative is in the patient's language and in English.

Deciding who may export is the caller's job (ips.access); this module builds and audits.
"""

import json
import uuid

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from carebridge.accounts.models import Organisation
from carebridge.audit.services import audit_record
from carebridge.clinical.models import (
    AllergyIntolerance,
    Condition,
    DiagnosticReport,
    Immunization,
    MedicationRequest,
    MedicationStatement,
    Observation,
    Procedure,
)
from carebridge.clinical.terminology import Concept, display, vaccine_lookup
from carebridge.interop import fhir_clinical, fhir_organization, fhir_patient, fhir_record
from carebridge.interop.fhir_patient import PASSPORT_SYSTEM
from carebridge.interop.ips import codes
from carebridge.interop.ips.narrative import (
    NO_INFORMATION,
    NOT_ASKED,
    narrative,
    narrative_languages,
    section_div,
)

STATUS_ACTIVE = _("Active")
STATUS_STOPPED = _("Stopped")
# References this document cannot carry: the visit or order an entry came from is not part of a summary.
DROPPED_REFERENCES = ("encounter", "basedOn", "partOf", "context")


def _as_dict(model):
    return json.loads(model.model_dump_json(exclude_none=True))


def _urn(public_id):
    return f"urn:uuid:{public_id}"


def _localise(row, language, *, kind="substance"):
    """Return a coded row's name in a language, from the terminology when it knows the code."""
    try:
        if row.code_system and row.code:
            text, _used = display(Concept(row.code_system, row.code, row.display, kind), language)
            return text or row.display
    except (LookupError, ValueError, OSError):
        pass
    return row.display


def _code(row):
    return row.code or "—"


def _date(value):
    return value.isoformat() if value else "—"


def _value(observation):
    if observation.value_quantity is not None:
        return f"{fhir_clinical.decimal_value(observation.value_quantity)} {observation.unit}".strip()
    return observation.value_text


def _vaccine_name(immunization, language):
    vaccine = vaccine_lookup(immunization.vaccine_key) if immunization.vaccine_key else None
    return vaccine.name(language)[0] if vaccine else _localise(immunization, language, kind="vaccine")


class _Document:
    """The entries of one document being assembled: resources by id, and their references rewritten."""

    def __init__(self):
        self.entries = {}

    def add(self, public_id, resource):
        resource = dict(resource)
        for key in DROPPED_REFERENCES:
            resource.pop(key, None)
        self.entries[str(public_id)] = resource
        return {"reference": _urn(public_id)}

    def resolve(self):
        """Point every reference to a resource of the document at its urn:uuid; keep others as display only."""
        known = set(self.entries)

        def rewrite(value):
            if isinstance(value, dict):
                result = {}
                for key, item in value.items():
                    if key == "reference" and isinstance(item, str):
                        target = item.rsplit("/", 1)[-1].removeprefix("urn:uuid:")
                        if target in known:
                            result[key] = _urn(target)
                        continue  # a reference outside the document would not resolve: keep its display only
                    result[key] = rewrite(item)
                return result
            if isinstance(value, list):
                return [rewrite(item) for item in value]
            return value

        return [{"fullUrl": _urn(public_id), "resource": rewrite(resource)}
                for public_id, resource in self.entries.items()]


def _record(patient):
    """Return the rows of a patient's record that a summary carries."""
    return {
        "conditions": list(Condition.objects.filter(patient=patient).select_related("patient", "recorded_by")
                           .order_by("-created_at")),
        "allergies": list(AllergyIntolerance.objects.filter(patient=patient, is_active=True)
                          .select_related("patient", "recorded_by").order_by("created_at")),
        "statements": list(MedicationStatement.objects.filter(patient=patient).select_related("patient")
                           .order_by("-is_active", "created_at")),
        "prescriptions": list(MedicationRequest.objects.filter(patient=patient,
                                                               status=MedicationRequest.Status.ACTIVE)
                              .select_related("patient", "prescriber").order_by("-authored_at")),
        "immunizations": list(Immunization.objects.filter(patient=patient).select_related("patient")
                              .order_by("occurred_on")),
        "procedures": list(Procedure.objects.filter(patient=patient).select_related("patient", "recorded_by")
                           .order_by("performed_on")),
        # Results only of released reports: what is preliminary is not yet a result to carry abroad.
        "results": list(Observation.objects.filter(patient=patient, report__status__in=DiagnosticReport.RELEASED)
                        .exclude(category=Observation.Category.VITAL_SIGNS)
                        .select_related("patient", "report").order_by("-effective_at")),
        "vital_signs": list(Observation.objects.filter(patient=patient, category=Observation.Category.VITAL_SIGNS)
                            .filter(report__isnull=True).select_related("patient", "report")
                            .order_by("-effective_at")),
    }


def _custodian(patient, requested_by):
    """Return the hospital that issues the summary: the requester's (staff, system), else the latest one of care."""
    from carebridge.clinical.access import clinical_hospitals
    from carebridge.patients.models import MedicalRecordNumber

    registered = MedicalRecordNumber.objects.filter(patient=patient).select_related("hospital").order_by("created_at")
    hospitals = [number.hospital for number in registered]
    if isinstance(requested_by, Organisation):
        if requested_by in hospitals:
            return requested_by
    elif requested_by is not None:
        for hospital in clinical_hospitals(requested_by):
            if hospital in hospitals:
                return hospital
    latest = patient.encounters.select_related("hospital").order_by("-started_at").first()
    if latest is not None:
        return latest.hospital
    return hospitals[-1] if hospitals else None


def _empty_reason(has_visits):
    code, text = ("unavailable", "Unavailable") if has_visits else ("notasked", "Not Asked")
    return {"coding": [{"system": codes.LIST_EMPTY_REASON, "code": code, "display": text}]}


def _section(document, spec, *, languages, entries, headings, cells, has_visits):
    """Return one Composition section: its entries added to the document, its narrative, or why it is empty."""
    with translation.override("en"):
        title = str(spec.title)
    section = {"title": title,
               "code": {"coding": [{"system": codes.LOINC, "code": spec.code, "display": spec.display}]}}
    if entries:
        section["text"] = narrative(section_div(
            languages=languages, title=spec.title, headings=headings,
            rows=lambda language: [cells(row, language) for row, _resource in entries]))
        section["entry"] = [document.add(row.public_id, resource) for row, resource in entries]
    else:
        section["text"] = narrative(section_div(languages=languages, title=spec.title, headings=headings, rows=None,
                                                empty_text=NO_INFORMATION if has_visits else NOT_ASKED))
        section["emptyReason"] = _empty_reason(has_visits)
    return section


def _patient_name(patient):
    latin = f"{patient.family_name} {patient.given_names}".strip()
    return f"{latin} ({patient.native_name})" if patient.native_name else latin


def _patient_entry(patient, custodian):
    numbers = [n for n in patient.record_numbers.select_related("hospital") if custodian is None
               or n.hospital_id == custodian.pk]
    resource = _as_dict(fhir_patient.patient_resource(patient, record_numbers=numbers))
    # Data minimisation: a summary that travels identifies the patient by name, birth date and record number,
    # never by the passport number.
    resource["identifier"] = [identifier for identifier in resource.get("identifier", [])
                              if not identifier.get("system", "").startswith(PASSPORT_SYSTEM)
                              and identifier.get("type", {}).get("coding", [{}])[0].get("code") != "PPN"]
    if not resource["identifier"]:
        del resource["identifier"]
    return resource


def _sections(document, record, languages, has_visits):
    """Return the Composition's sections, in the IPS order."""
    problems = [(row, _as_dict(fhir_record.condition_resource(row))) for row in record["conditions"]]
    allergies = [(row, _as_dict(fhir_record.allergy_intolerance_resource(row))) for row in record["allergies"]]
    medications = [(row, _as_dict(fhir_record.medication_statement_resource(row))) for row in record["statements"]]
    medications += [(row, _as_dict(fhir_record.medication_request_resource(row))) for row in record["prescriptions"]]
    immunizations = [(row, _as_dict(fhir_record.immunization_resource(row))) for row in record["immunizations"]]
    results = [(row, _as_dict(fhir_clinical.observation_resource(row))) for row in record["results"]]
    procedures = [(row, _as_dict(fhir_record.procedure_resource(row))) for row in record["procedures"]]
    vitals = [(row, _as_dict(fhir_clinical.observation_resource(row))) for row in record["vital_signs"]]

    def medicine_status(row):
        active = row.is_active if isinstance(row, MedicationStatement) else row.status == MedicationRequest.Status.ACTIVE
        return str(STATUS_ACTIVE if active else STATUS_STOPPED)

    def medicine_how(row):
        return row.dosage or "—"

    common = {"languages": languages, "has_visits": has_visits}
    sections = [
        _section(document, codes.PROBLEMS, entries=problems, **common,
                 headings=[_("Problem"), _("Code"), _("Status"), _("Since")],
                 cells=lambda row, lang: [_localise(row, lang), _code(row), str(row.get_clinical_status_display()),
                                          _date(row.onset)]),
        _section(document, codes.ALLERGIES, entries=allergies, **common,
                 headings=[_("Substance"), _("Code"), _("Criticality"), _("Reaction")],
                 cells=lambda row, lang: [_localise(row, lang), _code(row), str(row.get_criticality_display()),
                                          row.reaction or "—"]),
        _section(document, codes.MEDICATIONS, entries=medications, **common,
                 headings=[_("Medicine"), _("Code"), _("How it is taken"), _("Status")],
                 cells=lambda row, lang: [_localise(row, lang), _code(row), medicine_how(row), medicine_status(row)]),
    ]
    optional = [
        (codes.IMMUNIZATIONS, immunizations, [_("Vaccine"), _("Code"), _("Date given"), _("Dose")],
         lambda row, lang: [_vaccine_name(row, lang), _code(row), _date(row.occurred_on),
                            str(row.dose_number or "—")]),
        (codes.RESULTS, results, [_("Test"), _("Code"), _("Result"), _("Date")],
         lambda row, lang: [_localise(row, lang), _code(row), _value(row), _date(row.effective_at.date())]),
        (codes.PROCEDURES, procedures, [_("Procedure"), _("Code"), _("Date")],
         lambda row, lang: [_localise(row, lang), _code(row), _date(row.performed_on)]),
        (codes.VITAL_SIGNS, vitals, [_("Measurement"), _("Code"), _("Result"), _("Date")],
         lambda row, lang: [_localise(row, lang), _code(row), _value(row), _date(row.effective_at.date())]),
    ]
    for spec, entries, headings, cells in optional:
        if entries:
            sections.append(_section(document, spec, entries=entries, headings=headings, cells=cells, **common))
    return sections


def ips_bundle_document(*, patient, language, requested_by):
    """Build (without auditing) the IPS document Bundle of a patient's record, as a dict."""
    now = timezone.now().replace(microsecond=0)
    languages = narrative_languages(language or patient.preferred_language)
    custodian = _custodian(patient, requested_by)
    record = _record(patient)
    has_visits = patient.encounters.exists() or any(record.values())

    document = _Document()
    composition_id = uuid.uuid4()
    document.entries[str(composition_id)] = None  # the Composition comes first; filled in below
    patient_ref = document.add(patient.public_id, _patient_entry(patient, custodian))
    if custodian is not None:
        custodian_ref = document.add(custodian.public_id, _as_dict(fhir_organization.organization_resource(custodian)))
        custodian_ref["display"] = custodian.name
    sections = _sections(document, record, languages, has_visits)

    title = "International Patient Summary"
    composition = {
        "resourceType": "Composition",
        "id": str(composition_id),
        "meta": {"profile": [codes.COMPOSITION_PROFILE]},
        "language": languages[0] if len(languages) == 1 else "en",
        "text": narrative(section_div(languages=languages, title=_("International Patient Summary"),
                                      headings=[_("Patient"), _("Date of birth"), _("Issued by")],
                                      rows=lambda _lang: [[_patient_name(patient), patient.date_of_birth.isoformat(),
                                                           custodian.name if custodian else "—"]])),
        "status": "final",
        "type": {"coding": [{"system": codes.LOINC, "code": codes.IPS_DOCUMENT_CODE,
                             "display": codes.IPS_DOCUMENT_DISPLAY}]},
        "subject": patient_ref,
        "date": now.isoformat(),
        "author": [custodian_ref if custodian is not None else patient_ref],
        "title": title,
        "confidentiality": "N",
        "section": sections,
    }
    if custodian is not None:
        composition["attester"] = [{"mode": "legal", "time": now.isoformat(), "party": custodian_ref}]
        composition["custodian"] = custodian_ref
    document.entries[str(composition_id)] = composition

    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [codes.BUNDLE_PROFILE]},
        "language": composition["language"],
        "identifier": {"system": codes.IDENTIFIER_SYSTEM, "value": _urn(uuid.uuid4())},
        "type": "document",
        "timestamp": now.isoformat(),
        "entry": document.resolve(),
    }


def ips_bundle_build(*, patient, language, requested_by, request=None, purpose="ips-export"):
    """Build a patient's IPS document Bundle (a dict) and audit its export.

    `requested_by` is the user who asks (patient, guardian, staff) or, for a system, its Organisation; the caller
    has checked that they may. `language` is the patient's language for the narratives (English is always added).
    """
    bundle = ips_bundle_document(patient=patient, language=language, requested_by=requested_by)
    is_system = isinstance(requested_by, Organisation)
    composition = bundle["entry"][0]["resource"]
    audit_record(action="ips.exported", actor=None if is_system else requested_by, request=request,
                 organisation=requested_by if is_system else None, object_type="patient",
                 object_id=patient.public_id, patient_public_id=patient.public_id, purpose=purpose,
                 details={"bundle": bundle["identifier"]["value"], "language": language or "",
                          "sections": [s["code"]["coding"][0]["code"] for s in composition["section"]],
                          "entries": len(bundle["entry"])})
    return bundle
