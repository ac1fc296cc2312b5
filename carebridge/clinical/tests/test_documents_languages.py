"""Every kind of clinical document prints Chinese beside Arabic, Thai, Mongolian and Japanese with no missing glyph."""

import pytest

from carebridge.clinical import documents, services
from carebridge.clinical.tests.test_documents_pdfs import DIAGNOSIS, assert_printed, extracted
from carebridge.documents.tests.support import TEXTS, pdf_fonts

pytestmark = pytest.mark.django_db
LANGUAGES = ["ar", "th", "mn", "ja"]
KINDS = ["exam_report", "medical_certificate", "checkup_report", "discharge_summary"]
CHINESE = "注意休息，多饮水，一周后复诊。"
# The font each script needs (STACK.md); a fallback to any other font would mean a missing glyph.
FONT_OF = {"ar": "NotoNaskhArabic", "th": "NotoSansThai", "mn": "NotoSans", "ja": "NotoSansCJKJP"}


def _request(kind, *, language, temuulen, haikou, encounter, chest_ct, doctor, technician, reviewer, interpreter,
             capture):
    second = TEXTS[language][1]
    if kind == "exam_report":
        order = services.order_place(encounter=encounter, service=chest_ct, ordered_by=doctor)
        with capture(execute=True):
            services.report_write(report=order.report, actor=technician, findings="双肺纹理增多。", conclusion=CHINESE,
                                  conclusion_language="zh-hans")
            services.report_finalise(report=order.report, actor=technician)
        translation = services.translation_request(report=order.report, target_language=language, actor=doctor)
        services.translation_submit(translation=translation, translator=interpreter, text=second)
        services.translation_review(translation=translation, reviewer=reviewer, approve=True)
        return documents.exam_report_request, {"report": order.report}
    if kind == "medical_certificate":
        diagnosis = services.condition_record(patient=temuulen, actor=doctor, code=DIAGNOSIS, encounter=encounter)
        return documents.medical_certificate_request, {"encounter": encounter, "diagnosis_ids": [diagnosis.public_id],
                                                       "rest_days": 2, "advice": CHINESE, "advice_second": second}
    if kind == "checkup_report":
        checkup = services.encounter_open(patient=temuulen, hospital=haikou, kind="checkup", opened_by=doctor)
        return documents.checkup_report_request, {"encounter": checkup, "summary": CHINESE, "summary_second": second}
    stay = services.encounter_open(patient=temuulen, hospital=haikou, kind="inpatient", opened_by=doctor)
    services.encounter_finish(encounter=stay, actor=doctor)
    return documents.discharge_summary_request, {"encounter": stay, "course": CHINESE, "course_second": second}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_each_document_kind_prints_chinese_and_the_patients_language(
        kind, language, temuulen, haikou, encounter, chest_ct, doctor, technician, reviewer, interpreter,
        django_capture_on_commit_callbacks):
    # Given Temuulen's record says he reads the language
    temuulen.preferred_language = language
    temuulen.save()
    request, arguments = _request(kind, language=language, temuulen=temuulen, haikou=haikou, encounter=encounter,
                                  chest_ct=chest_ct, doctor=doctor, technician=technician, reviewer=reviewer,
                                  interpreter=interpreter, capture=django_capture_on_commit_callbacks)

    # When the doctor requests the document and the outbox renders it
    with django_capture_on_commit_callbacks(execute=True):
        document = request(issued_by=doctor, **arguments)

    # Then both texts read back out of the PDF, and the script's own font is embedded
    assert document.languages == ["zh-hans", language]
    text = extracted(document, language)
    assert_printed(CHINESE, text, "zh-hans")
    assert_printed(TEXTS[language][1], text, language)
    fonts = {name.replace("-", ""): embedded for name, embedded in pdf_fonts(document.file.path)}
    assert all(fonts.values()), fonts
    assert any(name.startswith(FONT_OF[language]) for name in fonts), fonts
    assert any(name.startswith("NotoSansCJKSC") for name in fonts), fonts
