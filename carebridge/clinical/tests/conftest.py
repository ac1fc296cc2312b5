"""The clinical cast: Haikou's doctor, its CT technician, a second interpreter, Temuulen and his chest CT."""

import pytest

from carebridge.accounts.models import Role
from carebridge.catalog.models import Service
from carebridge.clinical import services
from carebridge.clinical.tests.factories import CONCLUSION
from carebridge.patients.tests.factories import registered_child
from conftest import _person


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def doctor(haikou):
    """Dr Li, a paediatrician at Haikou who reads the pages in English."""
    return _person("dr.li@haikou.test", org=haikou, role=Role.CLINICIAN, language="en")


@pytest.fixture
def technician(haikou):
    """Wang, the radiographer who writes Haikou's CT reports."""
    return _person("ct.wang@haikou.test", org=haikou, role=Role.CLINICIAN, language="zh-hans")


@pytest.fixture
def reviewer(haikou):
    """A second Mongolian interpreter at Haikou, who checks the first one's translations."""
    return _person("sarnai@haikou.test", org=haikou, role=Role.INTERPRETER, language="mn")


@pytest.fixture
def temuulen(guardian, haikou):
    return registered_child(guardian=guardian, hospital=haikou)


@pytest.fixture
def chest_ct(haikou):
    return Service.objects.create(
        hospital=haikou, kind=Service.Kind.IMAGING, code="chest-ct", name="Chest CT", duration_minutes=30,
        price="900.00", report_target_hours=4, preparation="Remove metal objects. Children may need sedation.",
        translations={"mn": {"name": "Цээжний КТ", "preparation": "Төмөр эдлэлээ авна уу. Хүүхдэд тайвшруулах эм "
                                                                  "хэрэгтэй байж болно."}})


@pytest.fixture
def encounter(temuulen, haikou, doctor):
    return services.encounter_open(patient=temuulen, hospital=haikou, kind="outpatient", opened_by=doctor,
                                   reason="Cough for three weeks")


@pytest.fixture
def order(encounter, chest_ct, doctor):
    return services.order_place(encounter=encounter, service=chest_ct, ordered_by=doctor)


@pytest.fixture
def report(order):
    return order.report


@pytest.fixture
def final_report(report, technician, django_capture_on_commit_callbacks):
    """The chest CT made final with a conclusion in Chinese and the SpO2 taken under sedation."""
    with django_capture_on_commit_callbacks(execute=True):
        services.report_write(report=report, actor=technician, findings="双肺纹理增多。", conclusion=CONCLUSION,
                              conclusion_language="zh-hans",
                              observations=[{"code": "59408-5", "value": "97", "unit": "%"}])
        services.report_finalise(report=report, actor=technician)
    report.refresh_from_db()
    return report
