"""The FHIR tests' cast: Temuulen at Haikou with his mother, insurance and appointment; Aigerim; Haikou's doctors."""

import datetime as dt

import pytest
from django.test import Client

from carebridge.accounts.models import Role
from carebridge.patients.services import insurance_policy_add, patient_register
from carebridge.patients.tests.factories import registered_child
from carebridge.scheduling.services import appointment_book
from carebridge.scheduling.tests.factories import at, consultation, doctor, open_slot, working_day
from conftest import _person


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


@pytest.fixture
def service(haikou):
    """Haikou's international clinic consultation, with its name in Russian."""
    return consultation(haikou)


@pytest.fixture
def dr_chen(haikou, service):
    """Dr Chen Wei, who consults in Chinese and English."""
    return doctor(haikou, service)


@pytest.fixture
def dr_petrova(haikou, service):
    """Dr Anna Petrova, a Russian-speaking doctor at Haikou."""
    return doctor(haikou, service, name="Dr Anna Petrova", languages=[("ru", "native"), ("en", "fluent")])


@pytest.fixture
def dr_wang(haikou, service):
    """Dr Wang Fang, who has a little Russian, not enough to consult in."""
    return doctor(haikou, service, name="Dr Wang Fang", languages=[("zh-hans", "native"), ("ru", "basic")])


@pytest.fixture
def slot(dr_chen):
    return open_slot(dr_chen, at(working_day(), 10))


@pytest.fixture
def appointment(temuulen, service, slot, guardian):
    """Temuulen's consultation with Dr Chen, booked by his mother; Dr Chen speaks no Mongolian."""
    return appointment_book(patient=temuulen, slot=slot, service=service, booked_by=guardian)


@pytest.fixture
def haikou_clinician(haikou):
    """Dr Li, a radiologist at Haikou with a staff account."""
    return _person("dr.li@haikou.test", org=haikou, role=Role.CLINICIAN, language="zh-hans")


@pytest.fixture
def record(temuulen, haikou, haikou_clinician):
    """Temuulen's record at Haikou: a final chest CT and a preliminary blood count, vital signs, diagnoses, medicines."""
    from carebridge.interop.tests.clinical_data import temuulens_record

    return temuulens_record(patient=temuulen, hospital=haikou, clinician=haikou_clinician)


@pytest.fixture
def prior_record(temuulen, guardian, settings, tmp_path):
    """A discharge summary from Ulaanbaatar that his mother uploaded (a small PDF)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from carebridge.patients.services import patient_document_upload

    settings.MEDIA_ROOT = str(tmp_path)
    upload = SimpleUploadedFile("discharge.pdf", b"%PDF-1.4\n% discharge summary\n%%EOF\n",
                                content_type="application/pdf")
    return patient_document_upload(patient=temuulen, actor=guardian, upload=upload, kind="discharge_summary",
                                   language="mn", title="Discharge summary, Ulaanbaatar")


@pytest.fixture
def live_record(transactional_db, live_server, haikou, temuulen, record, coordinator, client):
    """Return (FHIR base URL, a system/*.read token of Haikou's system, Temuulen) against a live server."""
    from carebridge.interop.tests.smart_helpers import basic, secret_client, token_request

    registered, secret = secret_client(haikou, coordinator)
    response = token_request(client, {"grant_type": "client_credentials", "scope": "system/*.read"},
                             **basic(registered.client_id, secret))
    assert response.status_code == 200, response.content
    return f"{live_server.url}/fhir/r4", response.json()["access_token"], temuulen
