"""The IPS checker: every problem of a summary as a list of issues, each with a FHIRPath-like expression.

Used on what this server exports (tests) and on every summary it is asked to import: JSON, size, the FHIR R4
structure (fhir.resources R4B), a document Bundle with a Composition first that has the IPS code, the mandatory
sections, entries of the types their section allows, every reference resolving inside the bundle, unique
fullUrls, well-formed codes (ICD-10, LOINC with its check digit, ATC, CVX, SNOMED CT with its Verhoeff digit),
real dates that are not in the future, and one subject throughout.
"""

import datetime as dt
import json
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from carebridge.clinical.terminology import loinc_valid_syntax
from carebridge.interop.ips import codes

MAX_BYTES = 5 * 1024 * 1024
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10_PATTERN = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")  # WHO's, and national extensions (J12.82)
ATC_PATTERN = re.compile(r"^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$")
CVX_PATTERN = re.compile(r"^[0-9]{1,3}$")
SNOMED_PATTERN = re.compile(r"^[1-9][0-9]{5,17}$")
ATC = "http://www.whocc.no/atc"
CVX = "http://hl7.org/fhir/sid/cvx"
DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
# Elements holding when something happened: none may lie in the future (a day's grace for time zones).
CLINICAL_DATES = {
    "onsetDateTime", "abatementDateTime", "recordedDate", "occurrenceDateTime", "effectiveDateTime",
    "performedDateTime", "dateAsserted", "authoredOn", "issued", "recorded", "birthDate", "lastOccurrence",
    "onset", "start",
}
SUBJECT_KEYS = ("subject", "patient")


@dataclass(frozen=True)
class Issue:
    """One problem: an OperationOutcome issue type, where it is, and what is wrong (translatable)."""

    code: str
    expression: str
    message: object

    def as_fhir(self):
        return {"severity": "error", "code": self.code, "details": {"text": str(self.message)},
                "diagnostics": str(self.message), "expression": [self.expression]}


class TooLarge(Exception):
    """A payload larger than the import accepts (answered 413)."""


def _path(loc):
    parts = ["Bundle"]
    for item in loc:
        if isinstance(item, int):
            parts[-1] += f"[{item}]"
        else:
            parts.append(str(item))
    return ".".join(parts)


def parse(raw):
    """Return (data, issues) of raw bytes: too large raises TooLarge; not JSON or not an object is an issue."""
    if len(raw) > MAX_BYTES:
        raise TooLarge
    try:
        data = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None, [Issue("structure", "Bundle", _("The file is not JSON."))]
    if not isinstance(data, dict):
        return None, [Issue("structure", "Bundle", _("The file does not hold a FHIR resource."))]
    return data, []


def _structure(data):
    try:
        Bundle.model_validate(data)
    except ValidationError as exc:
        return [Issue("structure", _path(error["loc"]), _("Not valid FHIR R4 here: %(reason)s")
                      % {"reason": error["msg"]}) for error in exc.errors()[:50]]
    except (ValueError, TypeError, KeyError) as exc:
        return [Issue("structure", "Bundle", _("Not valid FHIR R4 here: %(reason)s") % {"reason": str(exc)[:200]})]
    return []


def _walk(value, path):
    """Yield (path, key, value) of every element below a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}"
            yield path, key, item
            yield from _walk(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def _verhoeff_valid(number):
    table_d = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
               [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
               [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
               [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
    table_p = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
               [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
               [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]
    check = 0
    for index, digit in enumerate(reversed(number)):
        check = table_d[check][table_p[index % 8][int(digit)]]
    return check == 0


def code_problem(system, code):
    """Return why a code is not well-formed in its system, or None."""
    if not isinstance(code, str) or not code:
        return None
    if system == ICD10 and not ICD10_PATTERN.match(code):
        return _("%(code)s is not an ICD-10 code.") % {"code": code}
    if system == codes.LOINC and not loinc_valid_syntax(code):
        return _("%(code)s is not a LOINC code (its check digit does not match).") % {"code": code}
    if system == ATC and not ATC_PATTERN.match(code):
        return _("%(code)s is not an ATC code.") % {"code": code}
    if system == CVX and not CVX_PATTERN.match(code):
        return _("%(code)s is not a CVX code.") % {"code": code}
    if system == codes.SNOMED and not (SNOMED_PATTERN.match(code) and _verhoeff_valid(code)):
        return _("%(code)s is not a SNOMED CT code (its check digit does not match).") % {"code": code}
    return None


def date_problem(value, *, today):
    """Return why a FHIR date or dateTime is impossible or in the future, or None."""
    match = DATE_PATTERN.match(value) if isinstance(value, str) else None
    if match is None:
        return _("%(value)s is not a date.") % {"value": value}
    year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
    try:
        moment = dt.date(year, month, day)
    except ValueError:
        return _("%(value)s is not a date.") % {"value": value}
    if moment > today + dt.timedelta(days=1):
        return _("%(value)s is in the future.") % {"value": value}
    return None


def _entries(data):
    entries = data.get("entry") if isinstance(data.get("entry"), list) else []
    return [entry if isinstance(entry, dict) else {} for entry in entries]


def _targets(entries):
    """Return the ways each entry may be referred to: its fullUrl, and Type/id (also with the fullUrl's base)."""
    targets = {}
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry.get("resource"), dict) else {}
        names = set()
        full_url = entry.get("fullUrl")
        if isinstance(full_url, str) and full_url:
            names.add(full_url)
        if resource.get("id") and resource.get("resourceType"):
            names.add(f"{resource['resourceType']}/{resource['id']}")
        for name in names:
            targets.setdefault(name, index)
    return targets


def _resolves(reference, targets, resource):
    if reference.startswith("#"):
        return any(isinstance(item, dict) and item.get("id") == reference[1:] for item in resource.get("contained", []))
    if reference in targets:
        return True
    # An absolute RESTful reference matches an entry by its last two segments (…/Patient/123).
    parts = reference.rstrip("/").split("/")
    return len(parts) >= 2 and f"{parts[-2]}/{parts[-1]}" in targets and "://" in reference


def _target_index(reference, targets):
    if reference in targets:
        return targets[reference]
    parts = reference.rstrip("/").split("/")
    return targets.get(f"{parts[-2]}/{parts[-1]}") if len(parts) >= 2 else None


def _document_issues(data, today):
    issues = []
    if data.get("type") != "document":
        issues.append(Issue("invalid", "Bundle.type", _("The bundle is not a document (type must be document).")))
    identifier = data.get("identifier") if isinstance(data.get("identifier"), dict) else {}
    if not (identifier.get("system") and identifier.get("value")):
        issues.append(Issue("required", "Bundle.identifier",
                            _("A document needs an identifier with a system and a value.")))
    if not data.get("timestamp"):
        issues.append(Issue("required", "Bundle.timestamp", _("A document needs a timestamp.")))
    entries = _entries(data)
    seen = {}
    for index, entry in enumerate(entries):
        full_url = entry.get("fullUrl")
        if not full_url:
            issues.append(Issue("required", f"Bundle.entry[{index}].fullUrl", _("Every entry needs a fullUrl.")))
        elif full_url in seen:
            issues.append(Issue("duplicate", f"Bundle.entry[{index}].fullUrl",
                                _("%(url)s is used by two entries.") % {"url": full_url}))
        else:
            seen[full_url] = index
        if not isinstance(entry.get("resource"), dict):
            issues.append(Issue("required", f"Bundle.entry[{index}].resource", _("Every entry needs a resource.")))
    first = entries[0].get("resource") if entries and isinstance(entries[0].get("resource"), dict) else {}
    if first.get("resourceType") != "Composition":
        issues.append(Issue("required", "Bundle.entry[0].resource",
                            _("The first entry of a document must be its Composition.")))
        return issues, entries, None
    type_codes = {(c.get("system"), c.get("code")) for c in (first.get("type") or {}).get("coding", [])
                  if isinstance(c, dict)}
    if (codes.LOINC, codes.IPS_DOCUMENT_CODE) not in type_codes:
        issues.append(Issue("value", "Bundle.entry[0].resource.type",
                            _("The Composition is not a patient summary (LOINC 60591-5).")))
    return issues, entries, first


def _section_issues(composition, entries, targets):
    issues = []
    sections = composition.get("section") if isinstance(composition.get("section"), list) else []
    present = set()
    for s_index, section in enumerate(sections):
        if not isinstance(section, dict):
            continue
        where = f"Bundle.entry[0].resource.section[{s_index}]"
        section_codes = [c.get("code") for c in (section.get("code") or {}).get("coding", [])
                         if isinstance(c, dict) and c.get("system") == codes.LOINC]
        spec = next((codes.SECTIONS_BY_CODE[code] for code in section_codes if code in codes.SECTIONS_BY_CODE), None)
        if spec is not None:
            present.add(spec.code)
        section_entries = section.get("entry") if isinstance(section.get("entry"), list) else []
        if not section_entries and not section.get("emptyReason") and not section.get("section"):
            issues.append(Issue("required", where, _("A section must have entries or say why it is empty.")))
        for e_index, reference in enumerate(section_entries):
            target = reference.get("reference") if isinstance(reference, dict) else None
            index = _target_index(target, targets) if isinstance(target, str) else None
            if index is None:
                continue  # reported as an unresolved reference below
            resource_type = (entries[index].get("resource") or {}).get("resourceType")
            if spec is not None and resource_type not in spec.resource_types:
                issues.append(Issue("invalid", f"{where}.entry[{e_index}]",
                                    _("A %(type)s does not belong in the section %(section)s.")
                                    % {"type": resource_type, "section": spec.display}))
    for spec in codes.SECTIONS:
        if spec.required and spec.code not in present:
            issues.append(Issue("required", "Bundle.entry[0].resource.section",
                                _("The mandatory section %(section)s (LOINC %(code)s) is missing.")
                                % {"section": spec.display, "code": spec.code}))
    return issues


def _content_issues(entries, targets, today):
    issues = []
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry.get("resource"), dict) else {}
        base = f"Bundle.entry[{index}].resource"
        for path, key, value in _walk(resource, base):
            if key == "reference" and isinstance(value, str) and not _resolves(value, targets, resource):
                issues.append(Issue("not-found", f"{path}.reference",
                                    _("The reference %(reference)s does not point to an entry of this bundle.")
                                    % {"reference": value}))
            elif key == "coding" and isinstance(value, list):
                for c_index, coding in enumerate(value):
                    if isinstance(coding, dict):
                        problem = code_problem(coding.get("system"), coding.get("code"))
                        if problem:
                            issues.append(Issue("code-invalid", f"{path}.coding[{c_index}].code", problem))
            elif key in CLINICAL_DATES and isinstance(value, str) and resource.get("resourceType") != "Bundle":
                problem = date_problem(value, today=today)
                if problem:
                    issues.append(Issue("value", f"{path}.{key}", problem))
    return issues


def _subject_issues(composition, entries, targets):
    issues = []
    subject = (composition.get("subject") or {}).get("reference") if isinstance(composition.get("subject"),
                                                                                 dict) else None
    index = _target_index(subject, targets) if isinstance(subject, str) else None
    if index is None or (entries[index].get("resource") or {}).get("resourceType") != "Patient":
        issues.append(Issue("required", "Bundle.entry[0].resource.subject",
                            _("The Composition's subject must be a Patient in the bundle.")))
        return issues, None
    for e_index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry.get("resource"), dict) else {}
        for key in SUBJECT_KEYS:
            reference = (resource.get(key) or {}).get("reference") if isinstance(resource.get(key), dict) else None
            if resource.get("resourceType") == "Composition" or not isinstance(reference, str):
                continue
            target = _target_index(reference, targets)
            if target is not None and target != index:
                issues.append(Issue("invalid", f"Bundle.entry[{e_index}].resource.{key}",
                                    _("This entry is about another person than the summary's patient.")))
    return issues, entries[index]["resource"]


def ips_check(data, *, today=None):
    """Return (issues, patient resource) of a summary given as parsed JSON; no issues means it may be imported."""
    today = today or timezone.localdate()
    if data.get("resourceType") != "Bundle":
        return [Issue("structure", "Bundle", _("The file holds a %(type)s, not a Bundle.")
                      % {"type": str(data.get("resourceType"))[:40]})], None
    issues = _structure(data)
    document_issues, entries, composition = _document_issues(data, today)
    issues += document_issues
    targets = _targets(entries)
    issues += _content_issues(entries, targets, today)
    patient = None
    if composition is not None:
        issues += _section_issues(composition, entries, targets)
        subject_issues, patient = _subject_issues(composition, entries, targets)
        issues += subject_issues
    return issues, patient


def operation_outcome_body(issues):
    """Return an OperationOutcome listing every issue."""
    return {"resourceType": "OperationOutcome", "issue": [issue.as_fhir() for issue in issues]}
