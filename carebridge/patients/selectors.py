"""Reads of patient records: search at the desk, the registration queue, a portal user's patients."""

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from carebridge.core.crypto import normalise_identifier
from carebridge.patients.models import (
    DuplicateCandidate,
    Guardianship,
    IdentityDocument,
    MedicalRecordNumber,
    Patient,
    document_number_hash,
    fold,
)
from carebridge.patients.validation import phone_to_e164


def patients_at(hospital):
    """Return the live (not merged) records of patients registered at a hospital."""
    registered = MedicalRecordNumber.objects.filter(hospital=hospital, patient=OuterRef("pk"))
    return Patient.objects.filter(Exists(registered), merged_into__isnull=True)


def patient_search(*, hospital, query, limit=50):
    """Find a hospital's patients by name in any script, passport number, record number or phone."""
    query = (query or "").strip()
    if not query:
        return Patient.objects.none()
    scope = patients_at(hospital)
    matches = Q()
    terms = fold(query).split()
    if terms:
        name_match = Q()
        for term in terms:
            name_match &= Q(search_text__contains=term)
        matches |= name_match
    identifier = normalise_identifier(query)
    if identifier:
        matches |= Q(pk__in=IdentityDocument.objects.filter(number_hash=document_number_hash(identifier))
                     .values("patient_id"))
        matches |= Q(pk__in=MedicalRecordNumber.objects.filter(hospital=hospital, number=identifier)
                     .values("patient_id"))
    try:
        phone = phone_to_e164(query)
    except ValueError:
        phone = None
    if phone:
        matches |= Q(phone=phone) | Q(emergency_contact_phone=phone)
    return scope.filter(pk__in=scope.filter(matches).order_by("family_name", "given_names", "pk")
                        .values("pk")[:limit]).order_by("family_name", "given_names", "pk")


def portal_patients(user):
    """Return the records a portal user holds: their own and those of the people they act for."""
    wards = Guardianship.objects.filter(guardian=user, ended_at__isnull=True).values("patient_id")
    return Patient.objects.filter(Q(account=user) | Q(pk__in=wards), merged_into__isnull=True).order_by("created_at")


def registration_queue(*, hospital, today=None):
    """Return what the desk must look at: new sign-ups, incomplete records, duplicates, expiring passports, handovers."""
    today = today or dt.date.today()  # noqa: DTZ011 - calendar dates
    patients = patients_at(hospital)
    recent = patients.filter(record_numbers__hospital=hospital,
                             record_numbers__created_at__date__gte=today - dt.timedelta(days=14))
    incomplete = [p for p in patients.order_by("-created_at")[:500] if p.missing_fields]
    expiring = IdentityDocument.objects.filter(
        patient__in=patients, expiry_date__lte=today + dt.timedelta(days=183)
    ).select_related("patient")
    ids = patients.values("pk")
    duplicates = DuplicateCandidate.objects.filter(
        patient__in=ids, other__in=ids, status=DuplicateCandidate.Status.OPEN
    ).select_related("patient", "other")
    handover = patients.filter(date_of_birth__lte=_years_before(today + dt.timedelta(days=30), 18),
                               guardianships__ended_at__isnull=True).distinct().order_by("date_of_birth")
    return {
        "handover": list(handover[:100]),
        "new": list(recent.distinct().order_by("-created_at")[:100]),
        "incomplete": incomplete[:100],
        "duplicates": list(duplicates[:100]),
        "expiring": list(expiring.order_by("expiry_date")[:100]),
    }


def _years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def record_number_at(patient, hospital):
    """Return the patient's record number at a hospital, or None."""
    mrn = MedicalRecordNumber.objects.filter(patient=patient, hospital=hospital).first()
    return mrn.number if mrn else None
