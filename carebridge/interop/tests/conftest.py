"""The FHIR tests' cast: Temuulen registered at Haikou by his mother, his insurance, Aigerim at the desk."""

import datetime as dt

import pytest
from django.test import Client

from carebridge.patients.services import insurance_policy_add, patient_register
from carebridge.patients.tests.factories import registered_child


@pytest.fixture
def temuulen(guardian, haikou):
    """Temuulen, a Mongolian one-year-old, registered at Haikou by his mother Oyunaa."""
    return registered_child(guardian=guardian, hospital=haikou)


@pytest.fixture
def temuulens_policy(temuulen, cigna, guardian):
    return insurance_policy_add(patient=temuulen, actor=guardian, payer=cigna, member_id="CG-7788-01",
                                policy_number="GLB-2026-0042", plan_name="Global Health Gold",
                                valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 12, 31))


@pytest.fixture
def system_client():
    """Return a client without a session, as an organisation's system calls."""
    return Client()


@pytest.fixture
def aigerim(coordinator, haikou):
    """Aigerim, a Kazakh adult who also holds a German passport (ICAO code D), registered at the Haikou desk."""
    patient, _created = patient_register(
        registered_by=coordinator, hospital=haikou, acting_as="staff",
        details={"family_name": "Nurlanova", "given_names": "Aigerim", "native_name": "Нұрланова Әйгерім",
                 "sex": "female", "date_of_birth": dt.date(1990, 5, 17), "nationality": "KZ",
                 "preferred_language": "kk", "interpreter_needed": True, "home_time_zone": "Asia/Almaty",
                 "phone": "+77011234567", "email": "aigerim@example.kz", "address_country": "KZ",
                 "address_lines": "Abay Avenue 10\nApartment 5", "address_city": "Almaty",
                 "emergency_contact_name": "Nurlan Nurlanov", "emergency_contact_relationship": "father",
                 "emergency_contact_phone": "+77017654321"},
        document={"kind": "passport", "mrz_format": "TD3", "issuing_state": "D", "number": "C01X00T47",
                  "expiry_date": dt.date(2031, 3, 1)},
        consents=["personal_data", "sensitive_health_data"],
    )
    return patient
