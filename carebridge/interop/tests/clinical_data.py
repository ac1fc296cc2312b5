"""Temuulen's clinical record at Haikou: a chest CT made final, a blood count still preliminary, and the rest.

Rows the clinical services cannot write without the terminology (results, coded diagnoses, ATC prescriptions,
vaccines) are written directly, exactly as those services store them.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from carebridge.catalog.models import Service
from carebridge.clinical.models import (
    ATC,
    CVX,
    ICD10,
    LOINC,
    Condition,
    Encounter,
    Immunization,
    MedicationRequest,
    Observation,
)
from carebridge.clinical.services import (
    allergy_record,
    encounter_open,
    medication_statement_record,
    order_place,
    procedure_record,
    report_finalise,
    report_write,
)

UNKNOWN_CODE = "J12.82"  # US ICD-10-CM only: WHO's ICD-10 has four characters at most
UNKNOWN_DISPLAY = "Пневмония, вызванная коронавирусом"


def _service(hospital, kind, code, name):
    return Service.objects.create(hospital=hospital, kind=kind, code=code, name=name, duration_minutes=20,
                                  price="500.00")


def _observation(report=None, **fields):
    return Observation.objects.create(report=report, **fields)


def temuulens_record(*, patient, hospital, clinician):
    """Write Temuulen's visit for pneumonia at Haikou and return its rows by name."""
    now = timezone.now()
    encounter = encounter_open(patient=patient, hospital=hospital, kind=Encounter.Kind.OUTPATIENT,
                               opened_by=clinician, reason="Cough and fever for five days")
    ct_order = order_place(encounter=encounter, service=_service(hospital, Service.Kind.IMAGING, "ct-chest",
                                                                 "Chest CT"), ordered_by=clinician)
    ct = ct_order.report
    ct.conclusion, ct.conclusion_language = "Consolidation of the right lower lobe: pneumonia.", "en"
    ct.save()
    common = {"patient": patient, "encounter": encounter, "recorded_by": clinician}
    ct_findings = _observation(ct, category=Observation.Category.IMAGING, code_system=LOINC, code="18782-3",
                               display="Radiology Study observation", value_text="Right lower lobe consolidation",
                               effective_at=now - dt.timedelta(days=1), **common)
    ct_size = _observation(ct, category=Observation.Category.IMAGING, display="Consolidation, longest diameter",
                           value_quantity=Decimal("23.0000"), unit="mm", effective_at=now - dt.timedelta(days=1),
                           **common)
    report_finalise(report=ct, actor=clinician)

    cbc_order = order_place(encounter=encounter, service=_service(hospital, Service.Kind.LAB_PANEL, "cbc",
                                                                  "Complete blood count"), ordered_by=clinician)
    cbc = cbc_order.report
    haemoglobin = _observation(cbc, category=Observation.Category.LABORATORY, code_system=LOINC, code="718-7",
                               display="Hemoglobin [Mass/volume] in Blood", value_quantity=Decimal("10.2000"),
                               unit="g/dL", reference_low=Decimal("10.5"), reference_high=Decimal("13.5"),
                               flag=Observation.Flag.LOW, effective_at=now - dt.timedelta(days=1), **common)
    report_write(report=cbc, actor=clinician, conclusion="Mild anaemia.", preliminary=True)

    heart_rate = _observation(category=Observation.Category.VITAL_SIGNS, code_system=LOINC, code="8867-4",
                              display="Heart rate", value_quantity=Decimal("128"), unit="/min",
                              effective_at=now - dt.timedelta(days=3), **common)
    temperature = _observation(category=Observation.Category.VITAL_SIGNS, code_system=LOINC, code="8310-5",
                               display="Body temperature", value_quantity=Decimal("38.4"), unit="Cel",
                               reference_low=Decimal("36.0"), reference_high=Decimal("37.5"),
                               flag=Observation.Flag.HIGH, effective_at=now - dt.timedelta(days=3), **common)

    pneumonia = Condition.objects.create(patient=patient, encounter=encounter, code_system=ICD10, code="J18.9",
                                         display="Pneumonia, unspecified", is_primary=True, recorded_by=clinician)
    from_home = Condition.objects.create(
        patient=patient, code_system=ICD10, code=UNKNOWN_CODE, display=UNKNOWN_DISPLAY,
        clinical_status=Condition.ClinicalStatus.RESOLVED, onset=patient.date_of_birth + dt.timedelta(days=200),
        recorded_by=clinician, source="Discharge summary, Ulaanbaatar children's hospital", code_known=False)
    allergy = allergy_record(patient=patient, actor=clinician, display="Penicillin", criticality="high",
                             reaction="Hives")
    azithromycin = MedicationRequest.objects.create(
        patient=patient, encounter=encounter, code_system=ATC, code="J01FA10", display="Azithromycin",
        dosage="10 mg/kg by mouth once a day for 3 days", quantity="1 bottle", prescriber=clinician,
        authored_at=now)
    paracetamol = MedicationRequest.objects.create(
        patient=patient, encounter=encounter, code_system=ATC, code="N02BE01", display="Paracetamol",
        dosage="15 mg/kg every 6 hours when feverish", status=MedicationRequest.Status.COMPLETED,
        prescriber=clinician, authored_at=now - dt.timedelta(days=2))
    vitamin_d = medication_statement_record(patient=patient, actor=clinician, display="Vitamin D3 drops",
                                            atc_code="A11CC05", dosage="400 IU a day", source="His mother")
    bcg = Immunization.objects.create(
        patient=patient, vaccine_key="bcg", code_system=CVX, code="19", display="BCG", dose_number=1,
        occurred_on=patient.date_of_birth + dt.timedelta(days=1), country="MN", source="Mongolian vaccination card")
    pentavalent = Immunization.objects.create(
        patient=patient, vaccine_key="penta", display="Pentavalent vaccine (Mongolian schedule)", dose_number=2,
        occurred_on=patient.date_of_birth + dt.timedelta(days=120), country="MN",
        source="Mongolian vaccination card")
    nebuliser = procedure_record(patient=patient, actor=clinician, display="Nebulised salbutamol",
                                 performed_on=timezone.localdate(), encounter=encounter)
    return SimpleNamespace(
        encounter=encounter, ct_order=ct_order, ct=ct, ct_findings=ct_findings, ct_size=ct_size, cbc_order=cbc_order,
        cbc=cbc, haemoglobin=haemoglobin, heart_rate=heart_rate, temperature=temperature, pneumonia=pneumonia,
        from_home=from_home, allergy=allergy, azithromycin=azithromycin, paracetamol=paracetamol,
        vitamin_d=vitamin_d, bcg=bcg, pentavalent=pentavalent, nebuliser=nebuliser,
    )
