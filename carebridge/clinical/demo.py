"""Demo clinical record: Temuulen's chronic lung disease, his medicines, allergy, vaccines and a chest CT report.

He is the one-year-old from Ulaanbaatar born early with bronchopulmonary dysplasia; his mother brought the home
record (vaccines, inhalers) and Haikou saw him for a bronchitis, with a chest CT made final. Idempotent: nothing is
written once he has a diagnosis at Haikou.
"""

import datetime as dt

from django.dispatch import receiver
from django.utils import timezone

from carebridge.accounts.signals import demo_data_requested
from carebridge.catalog.models import Service
from carebridge.clinical import services
from carebridge.clinical.models import AllergyIntolerance, Condition, Encounter
from carebridge.patients.models import IdentityDocument

HOME = "Home record, National Center for Maternal and Child Health, Ulaanbaatar"
VACCINES = [("BCG", 0, 1), ("HepB", 0, 1), ("HepB", 2, 2), ("DTaP-IPV-HepB-Hib", 2, 1), ("DTaP-IPV-HepB-Hib", 3, 2),
            ("DTaP-IPV-HepB-Hib", 4, 3), ("PCV13", 2, 1), ("PCV13", 4, 2), ("MMR", 9, 1)]


def _months_after(day, months):
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


@receiver(demo_data_requested)
def demo_clinical_load(sender, organisations, users, **kwargs):
    """Write Temuulen's record at Haikou (once)."""
    haikou = organisations.get("haikou-intl")
    clinician = users.get("clinician@haikou.demo")
    document = IdentityDocument.objects.filter(issuing_state="MNG").select_related("patient").first()
    if haikou is None or clinician is None or document is None:
        return
    child = document.patient
    if Condition.objects.filter(patient=child).exists():
        return
    born = child.date_of_birth
    today = timezone.localdate()
    for key, months, dose in VACCINES:
        given = _months_after(born, months)
        if given <= today:
            services.immunization_record(patient=child, actor=clinician, vaccine=key, occurred_on=given,
                                         dose_number=dose, country="MN", source=HOME)
    services.medication_statement_record(patient=child, actor=clinician, display="Budesonide inhalation",
                                         atc_code="R03BA02", dosage="250 micrograms twice a day, with a spacer",
                                         source=HOME)
    services.medication_statement_record(patient=child, actor=clinician, display="Salbutamol inhalation",
                                         atc_code="R03AC02", dosage="100 micrograms when wheezing, up to 4 times a day",
                                         source=HOME)
    services.allergy_record(patient=child, actor=clinician, display="Amoxicillin", code="J01CA04",
                            code_system="http://www.whocc.no/atc", reaction="Hives",
                            criticality=AllergyIntolerance.Criticality.LOW, source=HOME)
    services.condition_record(patient=child, actor=clinician, code="P27.1", onset=born, source=HOME)
    encounter = services.encounter_open(patient=child, hospital=haikou, kind=Encounter.Kind.OUTPATIENT,
                                        opened_by=clinician, reason="Cough and wheezing for three weeks")
    services.condition_record(patient=child, actor=clinician, code="J20.9", encounter=encounter, is_primary=True,
                              onset=today - dt.timedelta(days=21))
    services.vital_signs_record(encounter=encounter, actor=clinician, rows=[
        {"code": "59408-5", "value": "94", "unit": "%"}, {"code": "8867-4", "value": "128", "unit": "/min"},
        {"code": "8310-5", "value": "37.6", "unit": "Cel"}, {"code": "29463-7", "value": "9.4", "unit": "kg"}])
    chest_ct = Service.objects.filter(hospital=haikou, code="chest-ct").first()
    if chest_ct is not None:
        order = services.order_place(encounter=encounter, service=chest_ct, ordered_by=clinician)
        services.report_write(report=order.report, actor=clinician,
                              findings="Increased bronchovascular markings in both lungs; no consolidation.",
                              conclusion="Changes of bronchopulmonary dysplasia with bronchitis; no pneumonia.",
                              conclusion_language="en")
        services.report_finalise(report=order.report, actor=clinician)
    services.encounter_finish(encounter=encounter, actor=clinician)
