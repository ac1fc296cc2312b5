"""Rh-negative pregnant patients who may need anti-D immunoglobulin, found from the blood group and the diagnoses.

A pregnancy is a Condition coded in WHO ICD-10 as Z33 (pregnant state), Z34 (supervision of a normal
pregnancy), Z35 (supervision of a high-risk pregnancy) or anything in chapter XV (O00-O9A).
"""

from django.db.models import Exists, OuterRef, Q

from carebridge.clinical.models import ICD10, Condition
from carebridge.clinical.pathways.definitions import ANTI_D
from carebridge.clinical.pathways.models import PathwayInstance
from carebridge.patients.models import MedicalRecordNumber, Patient, RhFactor

PREGNANCY_PREFIXES = ("Z33", "Z34", "Z35", "O")


def is_pregnancy_code(code):
    """Tell whether an ICD-10 code records a pregnancy."""
    code = (code or "").strip().upper()
    return bool(code) and code.startswith(PREGNANCY_PREFIXES)


def _pregnancy_q(prefix=""):
    q = Q()
    for start in PREGNANCY_PREFIXES:
        q |= Q(**{f"{prefix}code__istartswith": start})
    return q


def pregnancies(patient):
    """Return a patient's active pregnancy diagnoses, the latest first."""
    return (Condition.objects.filter(_pregnancy_q(), patient=patient, clinical_status=Condition.ClinicalStatus.ACTIVE)
            .filter(Q(code_system=ICD10) | Q(code_system="")).order_by("-created_at"))


def anti_d_candidates(hospital):
    """Return the hospital's Rh-negative patients with an active pregnancy and no anti-D pathway since it was recorded.

    A pathway cancelled or completed for an earlier pregnancy does not hide a new one.
    """
    pregnancy = Condition.objects.filter(_pregnancy_q(), patient=OuterRef("pk"),
                                         clinical_status=Condition.ClinicalStatus.ACTIVE).filter(
        Q(code_system=ICD10) | Q(code_system=""))
    registered = MedicalRecordNumber.objects.filter(patient=OuterRef("pk"), hospital=hospital)
    pathway = PathwayInstance.objects.filter(patient=OuterRef("patient"), hospital=hospital,
                                             definition_key=ANTI_D.key, started_at__gte=OuterRef("created_at"))
    open_pregnancy = pregnancy.filter(~Exists(pathway))
    return (Patient.objects.filter(rh_factor=RhFactor.NEGATIVE, merged_into__isnull=True)
            .filter(Exists(registered), Exists(open_pregnancy)).order_by("family_name", "given_names"))


def anti_d_flag_reason(patient):
    """Return the pregnancy diagnosis that makes an Rh-negative patient a candidate, or None."""
    if patient.rh_factor != RhFactor.NEGATIVE:
        return None
    return pregnancies(patient).first()
