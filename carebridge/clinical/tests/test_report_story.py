"""A Mongolian child's chest CT: the technician finalises it, his mother is told without health data, and reads it
in Mongolian with the conclusion translated by one interpreter and checked by another."""

import re

import pytest
from django.core import mail

from carebridge.clinical import terminology
from carebridge.clinical.models import DiagnosticReport, Observation, TextTranslation
from carebridge.clinical.tests.factories import CONCLUSION, MONGOLIAN
from carebridge.notifications.models import InAppMessage
from conftest import signed_in

pytestmark = pytest.mark.django_db


def test_the_technician_finalises_a_chest_ct_and_the_guardian_reads_it_in_mongolian_translated(
        report, technician, doctor, interpreter, reviewer, guardian, django_capture_on_commit_callbacks):
    # Given the chest CT Dr Li ordered for Temuulen, and the technician at his desk
    desk = signed_in(technician)

    # When the technician writes the report with the SpO2 under sedation and makes it final
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(f"/clinical/reports/{report.public_id}/", {
            "findings": "双肺纹理增多。", "conclusion": CONCLUSION, "conclusion_language": "zh-hans",
            "obs-0-code": "59408-5", "obs-0-value": "97", "obs-0-unit": "%", "obs-0-reference_low": "95",
            "action": "finalise"})

    # Then the report is final with its result
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == DiagnosticReport.Status.FINAL
    assert report.order.status == "completed"
    assert Observation.objects.get(report=report).flag == Observation.Flag.NORMAL

    # And the mother gets an e-mail with a link and no health data, and a message in the portal
    emails = [m for m in mail.outbox if guardian.email in m.to]
    assert len(emails) == 1
    assert CONCLUSION not in emails[0].body and "炎症" not in emails[0].body and "97" not in emails[0].body
    assert f"/portal/reports/{report.public_id}/" in emails[0].body
    message = InAppMessage.objects.get(recipient=guardian)
    assert message.read_at is None and CONCLUSION not in message.body

    # When Dr Li asks for a translation into Mongolian, one interpreter translates and another checks it
    assert signed_in(doctor).post(f"/clinical/reports/{report.public_id}/translation/",
                                  {"language": "mn"}).status_code == 302
    translation = TextTranslation.objects.get(report=report)
    translator = signed_in(interpreter)
    listed = translator.get("/clinical/translations/")
    assert f"/clinical/translations/{translation.public_id}/" in listed.content.decode()
    opened = translator.get(f"/clinical/translations/{translation.public_id}/")
    assert CONCLUSION in opened.content.decode()
    translator.post(f"/clinical/translations/{translation.public_id}/", {"text": MONGOLIAN})
    signed_in(reviewer).post(f"/clinical/translations/{translation.public_id}/review/", {"decision": "approve"})
    translation.refresh_from_db()
    assert translation.status == TextTranslation.Review.APPROVED
    assert (translation.translator, translation.reviewer) == (interpreter, reviewer)

    # Then the mother sees the new message highlighted, and the report in Mongolian
    mother = signed_in(guardian)
    listing = mother.get("/portal/reports/").content.decode()
    assert 'class="unread"' in listing and message.title in listing
    page = mother.get(f"/portal/reports/{report.public_id}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'<html lang="mn"', html)
    assert MONGOLIAN in html and CONCLUSION in html
    assert interpreter.get_full_name() in html
    assert terminology.loinc_lookup("59408-5").labels["mn"] in html
    # And the message is read now that she opened the report
    message.refresh_from_db()
    assert message.read_at is not None


def test_the_translator_cannot_approve_her_own_translation(final_report, interpreter, doctor):
    # Given a translation submitted by the interpreter
    signed_in(doctor).post(f"/clinical/reports/{final_report.public_id}/translation/", {"language": "mn"})
    translation = TextTranslation.objects.get(report=final_report)
    client = signed_in(interpreter)
    client.post(f"/clinical/translations/{translation.public_id}/", {"text": MONGOLIAN})

    # When she tries to approve it herself
    client.post(f"/clinical/translations/{translation.public_id}/review/", {"decision": "approve"})

    # Then it still waits for someone else
    translation.refresh_from_db()
    assert translation.status == TextTranslation.Review.TRANSLATED


def test_a_doctor_can_send_a_translation_back_and_the_patient_sees_only_the_original(
        final_report, interpreter, doctor, guardian):
    signed_in(doctor).post(f"/clinical/reports/{final_report.public_id}/translation/", {"language": "mn"})
    translation = TextTranslation.objects.get(report=final_report)
    signed_in(interpreter).post(f"/clinical/translations/{translation.public_id}/", {"text": "буруу орчуулга"})

    signed_in(doctor).post(f"/clinical/translations/{translation.public_id}/review/", {"decision": "reject"})

    translation.refresh_from_db()
    assert translation.status == TextTranslation.Review.REJECTED
    html = signed_in(guardian).get(f"/portal/reports/{final_report.public_id}/").content.decode()
    assert "буруу орчуулга" not in html and CONCLUSION in html


def test_a_machine_backend_prefills_the_translation_and_marks_it(final_report, interpreter, doctor, settings):
    # Given a machine-translation backend
    settings.CLINICAL_MACHINE_TRANSLATION = "carebridge.clinical.tests.machine.TaggingTranslator"
    signed_in(doctor).post(f"/clinical/reports/{final_report.public_id}/translation/", {"language": "mn"})
    translation = TextTranslation.objects.get(report=final_report)
    client = signed_in(interpreter)

    # When the interpreter opens the request, the draft is there; she corrects it and sends it
    page = client.get(f"/clinical/translations/{translation.public_id}/").content.decode()
    assert f"[mn] {CONCLUSION}" in page
    client.post(f"/clinical/translations/{translation.public_id}/", {"text": MONGOLIAN, "machine": "True"})

    # Then the translation is marked as begun by a machine
    translation.refresh_from_db()
    assert translation.machine and translation.text == MONGOLIAN


def test_without_a_machine_backend_nothing_is_prefilled(final_report, interpreter, doctor):
    signed_in(doctor).post(f"/clinical/reports/{final_report.public_id}/translation/", {"language": "mn"})
    translation = TextTranslation.objects.get(report=final_report)

    page = signed_in(interpreter).get(f"/clinical/translations/{translation.public_id}/").content.decode()

    assert "[mn]" not in page and "machine translation" not in page
