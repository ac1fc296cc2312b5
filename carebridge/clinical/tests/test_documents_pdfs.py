"""Clinical documents print Chinese beside the patient's language: an exam report for Temuulen in Mongolian,
medical certificates in Arabic, Thai, Mongolian and Japanese, a check-up report and a discharge summary."""

import re
import unicodedata

import pytest
from django.core.cache import cache
from django.test import Client

from carebridge.clinical import documents, services, terminology
from carebridge.clinical.models import ICD10, LOINC, DiagnosticReport, TextTranslation
from carebridge.clinical.tests.factories import CONCLUSION, MONGOLIAN
from carebridge.core.errors import Conflict, NotFound, ValidationFailed
from carebridge.documents.codes import ALPHABET
from carebridge.documents.models import Document
from carebridge.documents.tests.support import TEXTS, pdf_text

pytestmark = pytest.mark.django_db

BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
DIAGNOSIS = "J18.9"  # pneumonia, unspecified
ADVICE_ZH = "注意休息，多饮水，一周后复诊。"


def name(code, language, system=ICD10):
    """Return a code's name in a language as the terminology gives it."""
    concept = terminology.Concept(system, code, code, "code") if system != ICD10 else code
    return terminology.display(concept, language)[0]


def words(text):
    text = unicodedata.normalize("NFKC", text).translate(BIDI_CONTROLS)
    # Digits apart from letters: pdftotext may glue a number to the Arabic word printed beside it.
    return set(re.findall(r"[^\W\d]+|\d+", text))


def squeezed(text):
    """Drop spaces, line breaks and punctuation: their order differs between PDF readers."""
    text = unicodedata.normalize("NFKC", text).translate(BIDI_CONTROLS)
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "P")


def extracted(document, language):
    document.refresh_from_db()
    assert document.status == Document.Status.READY, document.error
    return pdf_text(document.file.path, raw=language == "th")  # Thai extracts in order only raw (STACK.md)


def assert_printed(phrase, text, language):
    if language in ("th", "ja", "zh-hans"):  # written without spaces: compare the letters
        assert squeezed(phrase) in squeezed(text), phrase
    else:  # Arabic clauses may be reordered around punctuation: compare words (STACK.md)
        assert words(phrase) <= words(text), (phrase, words(phrase) - words(text))


@pytest.fixture(autouse=True)
def no_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def diagnosis(temuulen, encounter, doctor):
    return services.condition_record(patient=temuulen, actor=doctor, code=DIAGNOSIS, encounter=encounter,
                                     is_primary=True)


@pytest.fixture
def approved_mongolian(final_report, doctor, interpreter, reviewer):
    """The conclusion translated into Mongolian by one interpreter and checked by another."""
    translation = services.translation_request(report=final_report, target_language="mn", actor=doctor)
    services.translation_submit(translation=translation, translator=interpreter, text=MONGOLIAN)
    services.translation_review(translation=translation, reviewer=reviewer, approve=True)
    return translation


@pytest.fixture
def rendered(django_capture_on_commit_callbacks):
    """Call a request function with the outbox job run after commit; return the ready document."""

    def render(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            document = function(**kwargs)
        document.refresh_from_db()
        return document

    return render


@pytest.fixture
def certificate(rendered, encounter, diagnosis, doctor):
    return rendered(documents.medical_certificate_request, encounter=encounter, diagnosis_ids=[diagnosis.public_id],
                    rest_days=3, advice=ADVICE_ZH, advice_second=TEXTS["mn"][1], issued_by=doctor)


def test_temuulens_chest_ct_report_prints_chinese_and_mongolian_with_the_checked_translation_and_icd10_code(
        rendered, final_report, approved_mongolian, diagnosis, doctor):
    # Given Temuulen's final chest CT, its conclusion translated into Mongolian and checked, and his diagnosis
    assert final_report.status == DiagnosticReport.Status.FINAL
    assert approved_mongolian.status == TextTranslation.Review.APPROVED

    # When Dr Li requests the exam report and the outbox renders it
    document = rendered(documents.exam_report_request, report=final_report, issued_by=doctor)

    # Then it is a Chinese and Mongolian report of Haikou, with no patient data in its title
    assert (document.kind, document.languages, document.issuer) == ("exam_report", ["zh-hans", "mn"],
                                                                     final_report.hospital)
    assert document.patient_public_id == final_report.patient.public_id
    assert "Temuulen" not in document.title and "Batbayar" not in document.title.title()
    text = extracted(document, "mn")
    # And the PDF reads back in both languages: the Chinese original and the checked Mongolian translation
    assert_printed(CONCLUSION, text, "zh-hans")
    assert_printed(MONGOLIAN, text, "mn")
    assert_printed("双肺纹理增多", text, "zh-hans")
    # And the diagnosis with its ICD-10 code, named in Chinese and in Mongolian
    assert DIAGNOSIS in text
    assert_printed(name(DIAGNOSIS, "zh-hans"), text, "zh-hans")
    assert_printed(name(DIAGNOSIS, "mn"), text, "mn")
    # And the SpO2 result named in Mongolian, the patient's name, the masked passport and the code on the page
    assert_printed(name("59408-5", "mn", LOINC), text, "mn")
    assert "BATBAYAR" in text and "Батбаяр Тэмүүлэн" in text
    assert "*****5678" in text and "E12345678" not in text
    assert document.verification_code in text


@pytest.mark.parametrize("language", ["ar", "th", "mn", "ja"])
def test_a_medical_certificate_prints_the_diagnosis_advice_and_rest_in_chinese_and_the_patients_language(
        language, rendered, temuulen, encounter, diagnosis, doctor):
    # Given Temuulen's record says he reads the language
    temuulen.preferred_language = language
    temuulen.save()

    # When Dr Li certifies his pneumonia with advice in Chinese and its translation, and three days' rest
    document = rendered(documents.medical_certificate_request, encounter=encounter,
                        diagnosis_ids=[diagnosis.public_id], rest_days=3, advice=ADVICE_ZH,
                        advice_second=TEXTS[language][1], issued_by=doctor)

    # Then the certificate is in Chinese and his language, and every source text reads back out of the PDF
    assert document.languages == ["zh-hans", language]
    assert document.title == "Medical certificate / 诊断证明书"
    text = extracted(document, language)
    assert "诊断证明书" in text and DIAGNOSIS in text
    assert_printed(ADVICE_ZH, text, "zh-hans")
    assert_printed(TEXTS[language][1], text, language)
    assert_printed(name(DIAGNOSIS, "zh-hans"), text, "zh-hans")
    assert_printed(name(DIAGNOSIS, language), text, language)
    assert_printed("3天", text, "zh-hans")
    assert_printed(documents._duration(3, "day", language), text, language)
    assert "*****5678" in text and "BATBAYAR" in text


def test_the_certificate_marks_its_blocks_with_their_language_and_right_to_left_for_arabic(
        temuulen, encounter, diagnosis, doctor, django_capture_on_commit_callbacks):
    from carebridge.documents.rendering import document_html

    temuulen.preferred_language = "ar"
    temuulen.save()
    with django_capture_on_commit_callbacks(execute=False):
        document = documents.medical_certificate_request(
            encounter=encounter, diagnosis_ids=[diagnosis.public_id], rest_days=0, advice=ADVICE_ZH,
            advice_second=TEXTS["ar"][1], issued_by=doctor)

    html = document_html(document=document, template=document.template, context=document.context,
                         base_url="https://carebridge.test")

    assert f'<div lang="ar" dir="rtl"><p>{TEXTS["ar"][1]}</p></div>' in html
    assert 'lang="zh-Hans">' + ADVICE_ZH in html.replace("<p>", "")
    assert name(DIAGNOSIS, "ar") in html
    assert "医院盖章" in html and "医师签名" in html


def test_the_public_verification_page_confirms_the_code_and_shows_no_patient_data(certificate):
    response = Client().get(f"/verify/{certificate.verification_code}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert certificate.verification_code in page and "Medical certificate" in page
    for private in ("Temuulen", "TEMUULEN", "Batbayar", "BATBAYAR", "Батбаяр", DIAGNOSIS, "5678"):
        assert private not in page, private


def test_a_tampered_code_is_not_genuine(certificate):
    code = certificate.verification_code
    tampered = code[:-1] + ALPHABET[(ALPHABET.index(code[-1]) + 1) % len(ALPHABET)]

    assert Client().get(f"/verify/{tampered}/").status_code == 404


def test_a_preliminary_report_cannot_be_put_in_a_document(report, technician, doctor):
    services.report_write(report=report, actor=technician, conclusion=CONCLUSION, conclusion_language="zh-hans",
                          preliminary=True)

    with pytest.raises(Conflict) as error:
        documents.exam_report_request(report=report, issued_by=doctor)

    assert error.value.code == "report_not_released"
    assert not Document.objects.exists()


def test_only_a_clinician_of_the_hospital_may_request_a_document(encounter, diagnosis, coordinator,
                                                                  clinician_elsewhere):
    for outsider in (coordinator, clinician_elsewhere):
        with pytest.raises(NotFound):
            documents.medical_certificate_request(encounter=encounter, diagnosis_ids=[diagnosis.public_id],
                                                  rest_days=1, advice="", issued_by=outsider)
    assert not Document.objects.exists()


def test_a_certificate_needs_the_patients_own_diagnoses_and_a_sensible_rest(encounter, diagnosis, doctor):
    with pytest.raises(ValidationFailed):
        documents.medical_certificate_request(encounter=encounter, diagnosis_ids=[], rest_days=1, advice="",
                                              issued_by=doctor)
    with pytest.raises(ValidationFailed):
        documents.medical_certificate_request(encounter=encounter, diagnosis_ids=[diagnosis.public_id],
                                              rest_days=400, advice="", issued_by=doctor)


def test_english_stands_beside_chinese_for_a_chinese_reader_or_a_language_outside_the_ui(temuulen):
    for preferred, expected in (("zh-hans", "en"), ("zh-Hant", "en"), ("de", "en"), ("mn", "mn"), ("ar", "ar")):
        temuulen.preferred_language = preferred
        assert documents.second_language_for(temuulen) == expected


def test_a_checkup_report_groups_results_by_station_with_ranges_flags_and_the_summary(
        rendered, temuulen, haikou, doctor, technician, chest_ct, django_capture_on_commit_callbacks):
    # Given a check-up where the SpO2 under the CT was low
    checkup = services.encounter_open(patient=temuulen, hospital=haikou, kind="checkup", opened_by=doctor)
    order = services.order_place(encounter=checkup, service=chest_ct, ordered_by=doctor)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_write(report=order.report, actor=technician, findings="双肺纹理清晰。", conclusion="未见异常。",
                              observations=[{"code": "59408-5", "value": "93.5", "unit": "%",
                                             "reference_low": "95", "reference_high": "100"}])
        services.report_finalise(report=order.report, actor=technician)

    # When the doctor issues the check-up report with a summary in Chinese and Mongolian
    document = rendered(documents.checkup_report_request, encounter=checkup, issued_by=doctor,
                        summary="血氧饱和度偏低，建议复查。", summary_second="Хүчилтөрөгчийн ханамж бага байна")

    # Then the station, its result with the Mongolian decimal, range and low flag, and the summary are printed
    text = extracted(document, "mn")
    assert document.kind == "checkup_report" and document.title == "Health check-up report / 健康体检报告"
    assert_printed("血氧饱和度偏低，建议复查。", text, "zh-hans")
    assert_printed("Хүчилтөрөгчийн ханамж бага байна", text, "mn")
    assert "影像检查" in text and "Chest CT" in text and "Цээжний КТ" in text
    assert "93.5" in text and "95–100" in text and "偏低" in text
    row = document.context["categories"][0]["stations"][0]["results"][0]
    assert row["abnormal"] and row["flag"]["zh"] == "偏低 ↓"


def test_a_discharge_summary_prints_the_stay_diagnoses_results_and_advice(
        rendered, temuulen, haikou, doctor):
    stay = services.encounter_open(patient=temuulen, hospital=haikou, kind="inpatient", opened_by=doctor,
                                   reason="肺炎")
    services.condition_record(patient=temuulen, actor=doctor, code=DIAGNOSIS, encounter=stay, is_primary=True)
    services.encounter_finish(encounter=stay, actor=doctor)

    document = rendered(documents.discharge_summary_request, encounter=stay, issued_by=doctor, second_language="ru",
                        course="抗感染治疗七天，好转出院。", course_second=TEXTS["ru"][1], advice="一周后门诊复查。",
                        advice_second="Повторный осмотр через неделю")

    text = extracted(document, "ru")
    assert document.languages == ["zh-hans", "ru"]
    assert "出院小结" in text and DIAGNOSIS in text
    assert_printed(name(DIAGNOSIS, "ru"), text, "ru")
    assert_printed("抗感染治疗七天，好转出院。", text, "zh-hans")
    assert_printed(TEXTS["ru"][1], text, "ru")
    assert_printed("Повторный осмотр через неделю", text, "ru")


def test_a_discharge_summary_is_only_for_an_inpatient_stay(encounter, doctor):
    with pytest.raises(ValidationFailed):
        documents.discharge_summary_request(encounter=encounter, issued_by=doctor)
