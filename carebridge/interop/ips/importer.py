"""Import an International Patient Summary from another country's system into a patient's record.

All or nothing: the summary is checked completely first (ips.rules, then the identity of its patient), and any
problem rejects it with every problem listed and nothing written. An accepted summary is kept as received on an
IpsImport row, and each problem, allergy, medicine, vaccine, result, vital sign and procedure becomes a row of
the clinical record that names its source and points back to the import. Codes unknown here keep the system,
code and display they came with. The same document (by its identifier) is imported once per patient.
"""

import datetime as dt
import hashlib
import json

import pycountry
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from carebridge.audit.models import AuditEvent
from carebridge.audit.services import audit_record
from carebridge.clinical.models import (
    AllergyIntolerance,
    Condition,
    Immunization,
    MedicationStatement,
    Observation,
    Procedure,
)
from carebridge.clinical.terminology import icd10_lookup, vaccine_lookup
from carebridge.core.errors import CareBridgeError
from carebridge.interop.ips import codes, rules
from carebridge.interop.ips.models import IpsImport
from carebridge.patients.models import fold

ICD10 = rules.ICD10
PREFERRED_SYSTEMS = (ICD10, codes.LOINC, rules.ATC, rules.CVX, codes.SNOMED)
NO_INFORMATION_CODES = {code for code in codes.ABSENT_UNKNOWN_CODES if code.endswith("-info")}
VITAL_SIGNS_CATEGORY = "vital-signs"


class IpsRejected(CareBridgeError):
    """A summary that cannot be imported, with every problem found (an OperationOutcome's issues)."""

    code = "ips_invalid"
    status = 422
    default_message = _("This patient summary cannot be imported.")

    def __init__(self, issues, *, status=None, message=None):
        self.issues = list(issues)
        super().__init__(message, status=status,
                         details={"issues": [{"expression": i.expression, "message": str(i.message)}
                                             for i in self.issues]})


def _concept(concept):
    """Return (system, code, display) of a CodeableConcept: the best-known coding, and the words as recorded."""
    concept = concept if isinstance(concept, dict) else {}
    codings = [c for c in concept.get("coding", []) if isinstance(c, dict)]
    codings.sort(key=lambda c: PREFERRED_SYSTEMS.index(c.get("system")) if c.get("system") in PREFERRED_SYSTEMS
                 else len(PREFERRED_SYSTEMS))
    coding = codings[0] if codings else {}
    display = concept.get("text") or coding.get("display") or coding.get("code") or ""
    return (coding.get("system") or "")[:200], (coding.get("code") or "")[:64], display[:300]


def _date(value):
    """Return the date of a FHIR date or dateTime (the date as written, whatever its offset)."""
    if not isinstance(value, str) or not value:
        return None
    match = rules.DATE_PATTERN.match(value)
    return dt.date(int(match[1]), int(match[2] or 1), int(match[3] or 1)) if match else None


def _moment(value):
    if not isinstance(value, str) or not value:
        return None
    if "T" in value:
        parsed = parse_datetime(value)
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    day = _date(value)
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC) if day else None


def _first(resource, *keys):
    for key in keys:
        value = resource.get(key)
        if isinstance(value, dict):
            value = value.get("start")
        if value:
            return value
    return None


def _status(resource, key="clinicalStatus"):
    concept = resource.get(key) if isinstance(resource.get(key), dict) else {}
    return next((c.get("code") for c in concept.get("coding", []) if isinstance(c, dict) and c.get("code")), None)


def _is_no_information(resource, code_key):
    system, code, _display = _concept(resource.get(code_key))
    return system == codes.ABSENT_UNKNOWN and code in NO_INFORMATION_CODES


def _medication_concept(resource, by_reference):
    if resource.get("medicationCodeableConcept"):
        return resource["medicationCodeableConcept"]
    reference = (resource.get("medicationReference") or {}).get("reference")
    medication = by_reference.get(reference) or {}
    return medication.get("code") or {"text": (resource.get("medicationReference") or {}).get("display", "")}


def _dosage(resource):
    for key in ("dosage", "dosageInstruction"):
        for dosage in resource.get(key) or []:
            if isinstance(dosage, dict) and dosage.get("text"):
                return dosage["text"][:300]
    return ""


def _text(concepts):
    words = []
    for concept in concepts or []:
        if isinstance(concept, dict):
            words.append(_concept(concept)[2])
    return ", ".join(word for word in words if word)[:300]


def _source(document):
    """Return how an imported row names its origin: the issuer, its country and the summary's date."""
    parts = [document["organisation"] or str(_("a patient summary"))]
    if document["country"]:
        country = pycountry.countries.get(alpha_2=document["country"])
        parts.append(country.name if country else document["country"])
    if document["date"]:
        parts.append(document["date"].date().isoformat())
    return (str(_("IPS")) + ": " + ", ".join(parts))[:200]


def _rows(bundle, *, patient, document, actor):
    """Return the unsaved clinical rows a summary maps to, and what it skipped."""
    entries = bundle.get("entry", [])
    by_reference = {}
    for entry in entries:
        resource = entry.get("resource") or {}
        by_reference[entry.get("fullUrl")] = resource
        if resource.get("id"):
            by_reference[f"{resource.get('resourceType')}/{resource['id']}"] = resource
    composition = entries[0]["resource"]
    source = _source(document)
    rows, skipped = [], 0
    seen = set()
    for section in composition.get("section") or []:
        section_code = next((c.get("code") for c in (section.get("code") or {}).get("coding", [])
                             if c.get("system") == codes.LOINC), None)
        for reference in section.get("entry") or []:
            target = reference.get("reference")
            resource = by_reference.get(target)
            if resource is None:
                parts = target.rstrip("/").split("/")
                resource = by_reference.get(f"{parts[-2]}/{parts[-1]}") if len(parts) >= 2 else None
            if resource is None or id(resource) in seen:
                continue
            seen.add(id(resource))
            row = _row(resource, section_code=section_code, patient=patient, source=source, actor=actor,
                       by_reference=by_reference, country=document["country"])
            if row is None:
                skipped += 1
            else:
                rows.append(row)
    return rows, skipped


def _row(resource, *, section_code, patient, source, actor, by_reference, country):
    """Map one resource of a summary to an unsaved clinical row (None when it says only "no information")."""
    kind = resource.get("resourceType")
    common = {"patient": patient, "source": source}
    if kind == "Condition":
        if _is_no_information(resource, "code"):
            return None
        system, code, display = _concept(resource.get("code"))
        status = _status(resource)
        return Condition(**common, code_system=system, code=code, display=display, recorded_by=actor,
                         clinical_status=status if status in Condition.ClinicalStatus.values
                         else (Condition.ClinicalStatus.RESOLVED if section_code == codes.PAST_ILLNESS.code
                               else Condition.ClinicalStatus.ACTIVE),
                         onset=_date(_first(resource, "onsetDateTime", "onsetPeriod")),
                         code_known=bool(system != ICD10 or icd10_lookup(code)))
    if kind == "AllergyIntolerance":
        if _is_no_information(resource, "code"):
            return None
        system, code, display = _concept(resource.get("code"))
        criticality = resource.get("criticality")
        reactions = [_text(reaction.get("manifestation")) for reaction in resource.get("reaction") or []
                     if isinstance(reaction, dict)]
        return AllergyIntolerance(**common, code_system=system, code=code, display=display, recorded_by=actor,
                                  criticality=criticality if criticality in AllergyIntolerance.Criticality.values
                                  else AllergyIntolerance.Criticality.UNABLE,
                                  reaction="; ".join(r for r in reactions if r)[:300],
                                  is_active=_status(resource) not in ("inactive", "resolved"))
    if kind in ("MedicationStatement", "MedicationRequest"):
        concept = _medication_concept(resource, by_reference)
        if _is_no_information({"code": concept}, "code"):
            return None
        system, code, display = _concept(concept)
        return MedicationStatement(**common, code_system=system, code=code, display=display, recorded_by=actor,
                                   dosage=_dosage(resource),
                                   is_active=resource.get("status") in ("active", "intended", "on-hold", None))
    if kind == "Immunization":
        if _is_no_information(resource, "vaccineCode"):
            return None
        system, code, display = _concept(resource.get("vaccineCode"))
        vaccine = vaccine_lookup(code) if system == rules.CVX and code else None
        doses = [p.get("doseNumberPositiveInt") for p in resource.get("protocolApplied") or []
                 if isinstance(p, dict) and p.get("doseNumberPositiveInt")]
        return Immunization(**common, code_system=system, code=code, display=display, recorded_by=actor,
                            vaccine_key=vaccine.key if vaccine else "", dose_number=doses[0] if doses else None,
                            occurred_on=_date(resource.get("occurrenceDateTime")) or _date(resource.get("recorded")),
                            country=country)
    if kind == "Observation":
        system, code, display = _concept(resource.get("code"))
        categories = {c.get("code") for concept in resource.get("category") or []
                      for c in concept.get("coding", []) if isinstance(c, dict)}
        category = (Observation.Category.VITAL_SIGNS if VITAL_SIGNS_CATEGORY in categories
                    or section_code == codes.VITAL_SIGNS.code else
                    Observation.Category.IMAGING if "imaging" in categories else Observation.Category.LABORATORY)
        quantity = resource.get("valueQuantity") or {}
        value_text = resource.get("valueString") or _text([resource.get("valueCodeableConcept")]) or ""
        if quantity.get("value") is None and not value_text:
            value_text = str(_("(no value given)"))
        return Observation(**common, code_system=system, code=code, display=display, recorded_by=actor,
                           category=category,
                           value_quantity=quantity.get("value") if quantity.get("value") is not None else None,
                           unit=(quantity.get("code") or quantity.get("unit") or "")[:40],
                           value_text=value_text[:300],
                           # A result without a time gets the moment it became known; the original keeps it had none.
                           effective_at=_moment(_first(resource, "effectiveDateTime", "effectivePeriod", "issued"))
                           or timezone.now(),
                           code_known=system == codes.LOINC)
    if kind == "Procedure":
        if _is_no_information(resource, "code"):
            return None
        system, code, display = _concept(resource.get("code"))
        return Procedure(**common, code_system=system, code=code, display=display, recorded_by=actor,
                         performed_on=_date(_first(resource, "performedDateTime", "performedPeriod"))
                         or timezone.localdate())
    return None  # DiagnosticReport and others: their Observations are imported, the rest stays in the original


def _identity_issues(patient_resource, patient):
    """Return the issue of a summary about someone else: birth date and a family name must match the record."""
    birth = (patient_resource or {}).get("birthDate")
    names = [name for name in (patient_resource or {}).get("name") or [] if isinstance(name, dict)]
    families = {fold(name.get("family") or "") for name in names} | {fold(name.get("text") or "") for name in names}
    known = {fold(patient.family_name), fold(patient.native_name or "")} - {""}
    name_matches = any(family and any(k in family or family in k for k in known) for family in families)
    if birth == patient.date_of_birth.isoformat() and name_matches:
        return []
    return [rules.Issue("business-rule", "Bundle.entry[0].resource.subject",
                        _("The summary is about someone else: its patient's name or date of birth does not match "
                          "this record."))]


def _document(bundle, composition):
    entries = {entry.get("fullUrl"): entry.get("resource") or {} for entry in bundle.get("entry", [])}
    custodian = (composition.get("custodian") or {})
    organisation = entries.get(custodian.get("reference")) or {}
    if not organisation:
        authors = [entries.get(a.get("reference")) for a in composition.get("author") or [] if isinstance(a, dict)]
        organisation = next((a for a in authors if a and a.get("resourceType") == "Organization"), {})
    country = next((address.get("country") for address in organisation.get("address") or []
                    if isinstance(address, dict) and address.get("country")), "") or ""
    if len(country) == 3:
        match = pycountry.countries.get(alpha_3=country.upper())
        country = match.alpha_2 if match else ""
    return {"organisation": (organisation.get("name") or custodian.get("display") or "")[:300],
            "country": country.upper()[:2] if len(country) == 2 else "",
            "date": parse_datetime(composition.get("date") or "") if "T" in (composition.get("date") or "")
            else _moment(composition.get("date")),
            "language": (bundle.get("language") or composition.get("language") or "")[:35]}


def ips_validate(*, raw, patient, identity_confirmed=False):
    """Return the parsed summary if it may be imported for this patient; raise IpsRejected with every problem."""
    try:
        data, issues = rules.parse(raw)
    except rules.TooLarge:
        raise IpsRejected([rules.Issue("too-costly", "Bundle", _("The file is larger than %(size)s MB.")
                                       % {"size": rules.MAX_BYTES // (1024 * 1024)})], status=413) from None
    if issues:
        raise IpsRejected(issues, status=400)
    issues, patient_resource = rules.ips_check(data)
    if not identity_confirmed and patient_resource is not None:
        issues += _identity_issues(patient_resource, patient)
    if issues:
        raise IpsRejected(issues)
    return data


def ips_import(*, patient, raw, imported_by=None, organisation=None, via, identity_confirmed=False, request=None):
    """Check a summary and import it into a patient's record in one transaction; return (IpsImport, created).

    `identity_confirmed` is a coordinator's word that the summary is this patient's though the names differ
    (another transliteration). Importing a document already imported for this patient returns that import.
    """
    try:
        data = ips_validate(raw=raw, patient=patient, identity_confirmed=identity_confirmed)
    except IpsRejected as exc:
        audit_record(action="ips.import_rejected", actor=imported_by, request=request, organisation=organisation,
                     object_type="patient", object_id=patient.public_id, patient_public_id=patient.public_id,
                     purpose="ips-import", outcome=AuditEvent.Outcome.FAILURE,
                     details={"via": via, "problems": len(exc.issues),
                              "expressions": [i.expression for i in exc.issues][:20]})
        raise
    identifier = data["identifier"]
    key = f"{identifier['system']}|{identifier['value']}"[:400]
    existing = IpsImport.objects.filter(patient=patient, bundle_identifier=key).first()
    if existing is not None:
        return existing, False
    composition = data["entry"][0]["resource"]
    document = _document(data, composition)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    try:
        with transaction.atomic():
            record = IpsImport.objects.create(
                patient=patient, bundle_identifier=key, document_date=document["date"],
                source_organisation=document["organisation"], source_country=document["country"],
                language=document["language"], via=via, imported_by=imported_by, imported_for=organisation,
                identity_confirmed_by_staff=identity_confirmed, bundle=data,
                sha256=hashlib.sha256(canonical.encode()).hexdigest())
            rows, skipped = _rows(data, patient=patient, document=document, actor=imported_by)
            counts = {}
            for row in rows:
                row.source_import = record.public_id
                row.save()
                counts[type(row).__name__] = counts.get(type(row).__name__, 0) + 1
            counts["skipped"] = skipped
            record.counts = counts
            record.save(update_fields=["counts", "updated_at"])
            audit_record(action="ips.imported", actor=imported_by, request=request, organisation=organisation,
                         object_type="ips_import", object_id=record.public_id, patient_public_id=patient.public_id,
                         purpose="ips-import", details={"via": via, "bundle": key, "counts": counts})
    except IntegrityError:
        # The same document imported at the same moment by another request: theirs stands.
        existing = IpsImport.objects.filter(patient=patient, bundle_identifier=key).first()
        if existing is None:
            raise
        return existing, False
    return record, True
