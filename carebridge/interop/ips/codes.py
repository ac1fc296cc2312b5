"""The codes and URLs of the HL7 International Patient Summary (IPS) implementation guide, R4."""

from django.utils.translation import gettext_lazy as _

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
IPS_DOCUMENT_CODE = "60591-5"
IPS_DOCUMENT_DISPLAY = "Patient summary Document"
BUNDLE_PROFILE = "http://hl7.org/fhir/uv/ips/StructureDefinition/Bundle-uv-ips"
COMPOSITION_PROFILE = "http://hl7.org/fhir/uv/ips/StructureDefinition/Composition-uv-ips"
LIST_EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
# IPS 1.1: "no information" and "none known" are stated by an entry coded from this system (or SNOMED CT).
ABSENT_UNKNOWN = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"
ABSENT_UNKNOWN_CODES = {
    "no-allergy-info", "no-known-allergies", "no-medication-info", "no-known-medications", "no-problem-info",
    "no-known-problems", "no-immunization-info", "no-known-immunizations", "no-procedure-info",
    "no-known-procedures", "no-device-info", "no-known-devices",
}
# The SNOMED CT "no known ..." situations IPS examples use for the same purpose.
SNOMED_NO_KNOWN = {"716186003", "409137002", "160245001", "787481004", "1251536007", "260413007"}
IDENTIFIER_SYSTEM = "urn:ietf:rfc:3986"


class Section:
    """A section of the IPS Composition: its LOINC code, whether it must be present, and what it may hold."""

    def __init__(self, key, code, display, title, *, required, resource_types):
        self.key = key
        self.code = code
        self.display = display
        self.title = title
        self.required = required
        self.resource_types = frozenset(resource_types)


PROBLEMS = Section("problems", "11450-4", "Problem list - Reported", _("Problems"), required=True,
                   resource_types={"Condition"})
ALLERGIES = Section("allergies", "48765-2", "Allergies and adverse reactions Document",
                    _("Allergies and intolerances"), required=True, resource_types={"AllergyIntolerance"})
MEDICATIONS = Section("medications", "10160-0", "History of Medication use Narrative", _("Medicines"),
                      required=True, resource_types={"MedicationStatement", "MedicationRequest"})
IMMUNIZATIONS = Section("immunizations", "11369-6", "History of Immunization Narrative", _("Vaccinations"),
                        required=False, resource_types={"Immunization"})
RESULTS = Section("results", "30954-2", "Relevant diagnostic tests/laboratory data Narrative", _("Results"),
                  required=False, resource_types={"Observation", "DiagnosticReport"})
PROCEDURES = Section("procedures", "47519-4", "History of Procedures Document", _("Procedures"), required=False,
                     resource_types={"Procedure"})
VITAL_SIGNS = Section("vital_signs", "8716-3", "Vital signs", _("Vital signs"), required=False,
                      resource_types={"Observation"})
PAST_ILLNESS = Section("past_illness", "11348-0", "History of Past illness Narrative", _("Past illnesses"),
                       required=False, resource_types={"Condition"})

SECTIONS = (PROBLEMS, ALLERGIES, MEDICATIONS, IMMUNIZATIONS, RESULTS, PROCEDURES, VITAL_SIGNS)
SECTIONS_BY_CODE = {section.code: section for section in (*SECTIONS, PAST_ILLNESS)}
