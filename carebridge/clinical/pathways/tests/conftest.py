"""The pathway tests' cast: Temuulen (a Mongolian toddler) and two expectant mothers at Haikou, Haikou's clinician."""

import datetime as dt

import pytest

from carebridge.accounts.models import Role
from carebridge.patients.services import patient_register
from carebridge.patients.tests.factories import registered_child
from conftest import _person


@pytest.fixture
def clinician(haikou):
    """Dr Li, a paediatrician and obstetrician at Haikou, who reads Mongolian."""
    return _person("clinician@haikou.test", org=haikou, role=Role.CLINICIAN, language="mn")


@pytest.fixture
def temuulen(guardian, haikou):
    """Temuulen, born in Ulaanbaatar on 10 March 2025, registered at Haikou by his mother Oyunaa."""
    patient = registered_child(guardian=guardian, hospital=haikou)
    patient.date_of_birth = dt.date(2025, 3, 10)
    patient.save(update_fields=["date_of_birth"])
    return patient


def _mother(coordinator, haikou, *, family_name, number, rh_factor):
    patient, _created = patient_register(
        registered_by=coordinator, hospital=haikou, acting_as="staff",
        details={"family_name": family_name, "given_names": "Sarnai", "sex": "female",
                 "date_of_birth": dt.date(1994, 7, 2), "nationality": "MN", "preferred_language": "mn",
                 "home_time_zone": "Asia/Ulaanbaatar", "phone": "+97699001122", "blood_group": "O",
                 "rh_factor": rh_factor},
        document={"kind": "passport", "mrz_format": "TD3", "issuing_state": "MNG", "number": number,
                  "expiry_date": dt.date(2032, 1, 1)},
        consents=["personal_data", "sensitive_health_data"],
    )
    return patient


@pytest.fixture
def sarnai(coordinator, haikou):
    """Sarnai, an Rh-negative Mongolian woman expecting her second child."""
    return _mother(coordinator, haikou, family_name="Dorj", number="E98765432", rh_factor="negative")


@pytest.fixture
def enkhjin(coordinator, haikou):
    """Enkhjin, an Rh-positive expectant mother."""
    return _mother(coordinator, haikou, family_name="Ganbold", number="E55554444", rh_factor="positive")
