"""Clinical documents: discharge summary, medical certificate, check-up report and exam report, as bilingual PDFs.

Each request resolves every text in Chinese and in the patient's language (English when that is Chinese or not a
UI language) into a JSON context, then hands it to the documents app, which renders it in the background.
Chinese wording is fixed here (the document is issued in China); the second language comes from gettext and is
marked as English until its translation exists, so each block carries the language it is really printed in.
"""

import uuid
import zoneinfo

from babel.units import format_unit
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from carebridge.accounts.access import deny
from carebridge.audit.services import audit_record
from carebridge.clinical.access import clinical_hospitals
from carebridge.clinical.models import (
    ATC,
    ICD10,
    LOINC,
    Condition,
    DiagnosticReport,
    Encounter,
    MedicationRequest,
    Observation,
    Order,
    Procedure,
    TextTranslation,
)
from carebridge.core import i18n
from carebridge.core.errors import Conflict, NotFound, ValidationFailed
from carebridge.documents.rendering import html_lang, text_dir
from carebridge.documents.selectors import document_get, documents_of_patient
from carebridge.documents.services import document_request
from carebridge.patients.models import IdentityDocument, MedicalRecordNumber
from carebridge.patients.selectors import portal_patients

PRIMARY = "zh-hans"
UI_LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)

DISCHARGE_SUMMARY = "discharge_summary"
MEDICAL_CERTIFICATE = "medical_certificate"
CHECKUP_REPORT = "checkup_report"
EXAM_REPORT = "exam_report"
KINDS = (DISCHARGE_SUMMARY, MEDICAL_CERTIFICATE, CHECKUP_REPORT, EXAM_REPORT)
TEMPLATES = {kind: f"clinical/documents/{kind}.html" for kind in KINDS}
# Shown on the public verification page: never anything about the patient.
TITLES = {
    DISCHARGE_SUMMARY: ("出院小结", _("Discharge summary")),
    MEDICAL_CERTIFICATE: ("诊断证明书", _("Medical certificate")),
    CHECKUP_REPORT: ("健康体检报告", _("Health check-up report")),
    EXAM_REPORT: ("检查报告", _("Examination report")),
}
MAX_REST_DAYS = 365

# Every label a document prints: the Chinese wording, and the English msgid translated into the second language.
LABELS = {
    "name": ("姓名", _("Name")),
    "sex": ("性别", _("Sex")),
    "age": ("年龄", _("Age")),
    "date_of_birth": ("出生日期", _("Date of birth")),
    "nationality": ("国籍", _("Nationality")),
    "passport": ("护照号码", _("Passport number")),
    "mrn": ("病历号", _("Medical record number")),
    "visit_date": ("就诊日期", _("Date of visit")),
    "department": ("就诊类型", _("Kind of visit")),
    "diagnoses": ("诊断", _("Diagnoses")),
    "clinical_diagnoses": ("临床诊断", _("Clinical diagnoses")),
    "icd10": ("ICD-10 编码", _("ICD-10 code")),
    "diagnosis_name": ("诊断名称", _("Diagnosis")),
    "advice": ("处理意见", _("Advice")),
    "rest": ("建议休息", _("Recommended rest")),
    "no_rest": ("无需休息", _("No rest needed")),
    "doctor": ("医师签名", _("Doctor")),
    "seal": ("医院盖章", _("Hospital seal")),
    "certify": ("兹证明该患者于上述日期在本院就诊，诊断如下。", _("This certifies that the patient was seen at this "
                                                     "hospital on the date above, with the following diagnoses.")),
    "admitted": ("入院日期", _("Admitted on")),
    "discharged": ("出院日期", _("Discharged on")),
    "length_of_stay": ("住院天数", _("Length of stay")),
    "reason": ("入院原因", _("Reason for admission")),
    "course": ("诊疗经过", _("Course in hospital")),
    "procedures": ("手术及操作", _("Procedures")),
    "reports": ("检查结果", _("Examination results")),
    "medications": ("出院带药", _("Medicines on discharge")),
    "discharge_advice": ("出院医嘱", _("Advice on discharge")),
    "exam": ("检查项目", _("Examination")),
    "exam_date": ("报告日期", _("Date of the report")),
    "findings": ("检查所见", _("Findings")),
    "conclusion": ("检查结论", _("Conclusion")),
    "conclusion_translated": ("结论译文（已审核）", _("Conclusion, translated and checked")),
    "not_translated": ("结论尚无审核译文，以中文原文为准。", _("The conclusion has no checked translation yet; the "
                                                 "Chinese original applies.")),
    "results": ("检验结果", _("Results")),
    "test": ("项目", _("Test")),
    "value": ("结果", _("Result")),
    "unit": ("单位", _("Unit")),
    "range": ("参考范围", _("Reference range")),
    "flag": ("提示", _("Flag")),
    "reported_by": ("报告医师", _("Reported by")),
    "amended": ("本报告已修订", _("This report was amended")),
    "summary": ("总检结论", _("Doctor's summary")),
    "general": ("一般检查", _("General examination")),
    "pending": ("结果待出", _("Results pending")),
    "english_fallback": ("", _("in English: no translation yet")),
    "original": ("原文", _("original")),
    "station_conclusion": ("小结", _("Conclusion of this station")),
}
SEX_ZH = {"female": "女", "male": "男", "other": "其他", "unknown": "未知"}
FLAG_ZH = {"N": "正常", "L": "偏低 ↓", "H": "偏高 ↑", "LL": "危急低 ↓↓", "HH": "危急高 ↑↑", "A": "异常"}
FLAG_MARK = {"N": "", "L": "↓", "H": "↑", "LL": "↓↓", "HH": "↑↑", "A": "*"}
KIND_ZH = {"outpatient": "门诊", "inpatient": "住院", "checkup": "健康体检"}
CATEGORY_ZH = {"imaging": "影像检查", "lab": "实验室检验", "procedure": "其他检查"}


# --- Languages and bilingual texts ---------------------------------------------------------------------------------


def second_language_for(patient, requested=None):
    """Return the language printed beside Chinese: the one asked for or the patient's, else English."""
    for candidate in (requested, patient.preferred_language):
        code = (candidate or "").strip().replace("_", "-").lower()
        if not code:
            continue
        if code.startswith("zh"):
            return "en"
        if code in UI_LANGUAGES:
            return code
        if code.split("-")[0] in UI_LANGUAGES:
            return code.split("-")[0]
    return "en"


def _gettext_in(message, language):
    """Return (text, language it is really in) of a lazy message: it stays English until translated."""
    with translation.override("en"):
        english = str(message)
    with translation.override(language):
        text = str(message)
    if language.startswith("en") or text != english:
        return text, language
    return text, "en"


def _text(zh, text, language):
    """Return a bilingual text for a template: Chinese, and the second text with its lang and dir."""
    return {"zh": zh, "text": text, "lang": html_lang(language), "dir": text_dir(language)}


def _label(key, second):
    zh, message = LABELS[key]
    text, language = _gettext_in(message, second)
    return _text(zh, text, language)


def _labels(second):
    return {key: _label(key, second) for key in LABELS}


def _original(text, language):
    """Return a text as written, in one language (the clinician's), for both columns to point at."""
    return {"text": text, "lang": html_lang(language or PRIMARY), "dir": text_dir(language or PRIMARY)}


def _coded(code, recorded, second, *, known=True, system=ICD10):
    """Return a coded concept's names in Chinese and the second language, the English fallback marked.

    A name kept as recorded (an unknown code) has no known language: its `lang` is empty.
    """
    zh_text, zh_lang, zh_fallback = _display(code, recorded, PRIMARY, known=known, system=system)
    text, language, fallback = _display(code, recorded, second, known=known, system=system)
    return {"zh": zh_text, "zh_lang": html_lang(zh_lang) if zh_lang else "", "zh_fallback": zh_fallback,
            "text": text, "lang": html_lang(language) if language else "", "dir": text_dir(language or "en"),
            "fallback": fallback, "as_recorded": not language, "code": code}


def _display(code, recorded, language, *, known, system):
    """Return (text, language, fell back to English) for a code; the recorded words when it is unknown here."""
    if not code or not known:
        return recorded, "", False
    from carebridge.clinical import terminology

    if system == ICD10:
        concept = terminology.icd10_lookup(code)
    elif system == LOINC:
        concept = terminology.Concept(LOINC, code, recorded, "observable") if terminology.loinc_lookup(code) else None
    elif system == ATC:
        concept = terminology.atc_lookup(code)
    else:
        concept = None
    if concept is None:
        return recorded, "", False
    text, used = terminology.display(concept, language)
    if system == ATC and concept.kind != "group":
        return text, "en", False  # a substance keeps its international (English) name everywhere
    fell_back = used == "en" and not language.startswith("en")
    return text, used, fell_back


def _fmt_date(value, language):
    return i18n.format_date(value, language=language, format="long") if value else ""


def _dates(value, second):
    return _text(_fmt_date(value, PRIMARY), _fmt_date(value, second), second)


def _number(value, language):
    if value is None:
        return ""
    return i18n.format_number(value.normalize(), language=language)


def _duration(value, unit, language):
    """Format '3 days', '1 year' per CLDR, trying the long, short and narrow forms (some locales lack one)."""
    for length in ("long", "short", "narrow"):
        text = format_unit(value, f"duration-{unit}", locale=i18n.babel_locale(language), length=length)
        if f"duration-{unit}" not in text:
            return text
    return f"{value} {unit}"


def _age(patient, on_day, language):
    years = patient.age_on(on_day)
    if years >= 1:
        return f"{years}岁" if language == PRIMARY else _duration(years, "year", language)
    months = (on_day.year - patient.date_of_birth.year) * 12 + on_day.month - patient.date_of_birth.month
    months -= on_day.day < patient.date_of_birth.day
    if months >= 1:
        return f"{months}个月" if language == PRIMARY else _duration(months, "month", language)
    days = (on_day - patient.date_of_birth).days
    return f"{days}天" if language == PRIMARY else _duration(days, "day", language)


def _local_date(moment, hospital):
    return moment.astimezone(zoneinfo.ZoneInfo(hospital.time_zone)).date() if moment else None


# --- The patient block -------------------------------------------------------------------------------------------


def passport_masked(patient):
    """Return the patient's passport number masked but for its last four characters, or ""."""
    identity = (IdentityDocument.objects.filter(patient=patient, kind=IdentityDocument.Kind.PASSPORT)
                .order_by("-created_at").first()) or IdentityDocument.objects.filter(patient=patient).first()
    if identity is None:
        return ""
    number = identity.number or ""
    return "*" * max(len(number) - 4, 0) + number[-4:]


def _patient_block(patient, hospital, on_day, second):
    mrn = MedicalRecordNumber.objects.filter(patient=patient, hospital=hospital).values_list("number", flat=True)
    sex_text, sex_lang = _gettext_in(_sex_message(patient), second)
    name = " ".join(part for part in [patient.family_name.upper(), patient.given_names] if part)
    return {
        "name": name,
        "native_name": patient.native_name,
        "native_lang": html_lang(second_language_for(patient)) if patient.native_name else "",
        "sex": _text(SEX_ZH.get(patient.sex, patient.sex), sex_text, sex_lang),
        "age": _text(_age(patient, on_day, PRIMARY), _age(patient, on_day, second), second),
        "date_of_birth": _dates(patient.date_of_birth, second),
        "nationality": _text(i18n.country_name(patient.nationality, language=PRIMARY),
                             i18n.country_name(patient.nationality, language=second), second)
        if patient.nationality else None,
        "passport": passport_masked(patient),
        "mrn": mrn.first() or "",
    }


def _sex_message(patient):
    return dict(type(patient)._meta.get_field("sex").flatchoices).get(patient.sex, patient.sex)


def _diagnosis(condition, second):
    return {**_coded(condition.code if condition.code_system == ICD10 else "", condition.display, second,
                     known=condition.code_known), "code": condition.code, "primary": condition.is_primary}


def _doctor(encounter, issued_by):
    clinician = encounter.attending if encounter is not None else None
    if clinician is not None:
        return {"name": clinician.name, "name_local": clinician.name_local, "title": clinician.title}
    name = issued_by.get_full_name() if issued_by is not None else ""
    return {"name": name, "name_local": "", "title": ""}


def _common(*, kind, patient, hospital, on_day, second, doctor):
    zh_title, message = TITLES[kind]
    title_second, title_lang = _gettext_in(message, second)
    return {
        "title_primary": zh_title, "title_second": title_second, "title_lang": html_lang(title_lang),
        "title_dir": text_dir(title_lang), "labels": _labels(second),
        "patient": _patient_block(patient, hospital, on_day, second), "doctor": doctor,
        "second_language_code": second,
    }


def _title(kind):
    zh, message = TITLES[kind]
    with translation.override("en"):
        return f"{message} / {zh}"


# --- Access ------------------------------------------------------------------------------------------------------


def _require_clinician(*, user, hospital, object_type, object_id, request=None):
    """Pass a clinician of the hospital; NotFound for anyone else (the refusal is audited)."""
    if user is None or not getattr(user, "is_authenticated", False) or hospital not in clinical_hospitals(user):
        deny(user=user, request=request, object_type=object_type, object_id=object_id, reason="not_in_care")


def _request(*, kind, patient, hospital, context, second, issued_by, request):
    return document_request(kind=kind, title=_title(kind), issuer=hospital, patient_public_id=patient.public_id,
                            template=TEMPLATES[kind], context=context, languages=[PRIMARY, second],
                            issued_by=issued_by, request=request)


def _paired(zh, second_text, second):
    """Return a clinician's text in Chinese and its translation, or only the original when none is given."""
    zh = (zh or "").strip()
    second_text = (second_text or "").strip()
    return {"zh": zh, "text": second_text, "lang": html_lang(second), "dir": text_dir(second)}


# --- Medical certificate (诊断证明书) -------------------------------------------------------------------------------


def medical_certificate_request(*, encounter, diagnosis_ids, rest_days, advice, issued_by, advice_second="",
                                second_language=None, request=None):
    """Request a medical certificate: diagnoses with ICD-10 codes, the advice and the recommended rest."""
    _require_clinician(user=issued_by, hospital=encounter.hospital, object_type="encounter",
                       object_id=encounter.public_id, request=request)
    ids = [str(i) for i in (diagnosis_ids or [])]
    conditions = list(Condition.objects.filter(patient=encounter.patient, public_id__in=ids)
                      .order_by("-is_primary", "created_at")) if ids else []
    if not conditions or len(conditions) != len(set(ids)):
        raise ValidationFailed(details={"diagnoses": [str(_("Choose the patient's diagnoses to certify."))]},
                               code="diagnoses_invalid")
    try:
        rest_days = int(rest_days or 0)
    except (TypeError, ValueError):
        rest_days = -1
    if not 0 <= rest_days <= MAX_REST_DAYS:
        raise ValidationFailed(details={"rest_days": [str(_("Enter a number of days from 0 to 365."))]},
                               code="rest_days_invalid")
    patient, hospital = encounter.patient, encounter.hospital
    second = second_language_for(patient, second_language)
    visit_day = _local_date(encounter.started_at, hospital)
    context = {
        **_common(kind=MEDICAL_CERTIFICATE, patient=patient, hospital=hospital, on_day=visit_day, second=second,
                  doctor=_doctor(encounter, issued_by)),
        "visit_date": _dates(visit_day, second),
        "visit_kind": _text(KIND_ZH.get(encounter.kind, ""), *_gettext_in(Encounter.Kind(encounter.kind).label,
                                                                          second)),
        "diagnoses": [_diagnosis(c, second) for c in conditions],
        "advice": _paired(advice, advice_second, second),
        "rest_days": rest_days,
        "rest": _text(f"{rest_days}天", _duration(rest_days, "day", second), second) if rest_days else None,
    }
    return _request(kind=MEDICAL_CERTIFICATE, patient=patient, hospital=hospital, context=context, second=second,
                    issued_by=issued_by, request=request)


# --- Exam report (检查报告) ------------------------------------------------------------------------------------------


def _observation_row(observation, second):
    low, high = observation.reference_low, observation.reference_high

    def rng(language):
        a, b = _number(low, language), _number(high, language)
        return f"{a}–{b}" if a and b else (f"≥ {a}" if a else (f"≤ {b}" if b else ""))

    def value(language):
        return _number(observation.value_quantity, language) if observation.value_quantity is not None else (
            observation.value_text)

    flag = observation.flag
    flag_text, flag_lang = _gettext_in(Observation.Flag(flag).label, second) if flag else ("", second)
    return {
        "name": _coded(observation.code, observation.display, second, known=observation.code_known,
                       system=LOINC),
        "code": observation.code,
        "value": _text(value(PRIMARY), value(second), second),
        "unit": observation.unit,
        "range": _text(rng(PRIMARY), rng(second), second),
        "flag": _text(FLAG_ZH.get(flag, ""), flag_text, flag_lang) if flag else None,
        "mark": FLAG_MARK.get(flag, ""),
        "abnormal": flag not in ("", Observation.Flag.NORMAL),
    }


def _conclusion(report, second):
    """Return the conclusion as written and, when the patient's language differs, its approved translation."""
    written_in = report.conclusion_language or PRIMARY
    original = _original(report.conclusion, written_in)
    same = written_in.split("-")[0] == second.split("-")[0]
    approved = None
    if not same:
        approved = (report.translations.filter(status=TextTranslation.Review.APPROVED, field="conclusion")
                    .filter(target_language__in=[second, second.split("-")[0]]).first())
        if approved is None:
            approved = next((t for t in report.translations.filter(status=TextTranslation.Review.APPROVED,
                                                                    field="conclusion")
                             if t.target_language.split("-")[0] == second.split("-")[0]), None)
    return {
        "original": original,
        "same_language": same,
        "translation": {"text": approved.text, "lang": html_lang(second), "dir": text_dir(second),
                        "machine": approved.machine} if approved is not None else None,
    }


def _released_report(report):
    if report.status not in DiagnosticReport.RELEASED:
        raise Conflict(_("Only a final or amended report can be put in a document."), code="report_not_released")


def _service_names(report, second):
    service = report.order.service if report.order_id else None
    if service is None:
        return _text(report.display, report.display, second)
    return _text(service.translated("name", PRIMARY), service.translated("name", second), second)


def _report_block(report, second):
    return {
        "exam": _service_names(report, second),
        "category": _text(CATEGORY_ZH.get(report.category, ""), *_gettext_in(Order.Category(report.category).label,
                                                                               second)),
        "date": _dates(_local_date(report.finalised_at or report.issued_at, report.hospital), second),
        "findings": _original(report.findings, report.conclusion_language) if report.findings.strip() else None,
        "conclusion": _conclusion(report, second) if report.conclusion.strip() else None,
        "results": [_observation_row(o, second) for o in report.observations.order_by("effective_at", "pk")],
        "amended": report.status == DiagnosticReport.Status.AMENDED,
        "version": report.version,
        "reported_by": report.performer.get_full_name() if report.performer_id else "",
    }


def exam_report_request(*, report, issued_by, second_language=None, request=None):
    """Request the PDF of one released report: findings, conclusion (and its checked translation), results."""
    _require_clinician(user=issued_by, hospital=report.hospital, object_type="diagnostic_report",
                       object_id=report.public_id, request=request)
    _released_report(report)
    patient, hospital = report.patient, report.hospital
    second = second_language_for(patient, second_language)
    day = _local_date(report.finalised_at or report.issued_at or report.created_at, hospital)
    encounter = report.encounter
    conditions = Condition.objects.filter(encounter=encounter).order_by("-is_primary", "created_at") if (
        encounter is not None) else Condition.objects.none()
    context = {
        **_common(kind=EXAM_REPORT, patient=patient, hospital=hospital, on_day=day, second=second,
                  doctor=_doctor(encounter, issued_by)),
        "report": _report_block(report, second),
        "diagnoses": [_diagnosis(c, second) for c in conditions],
        "visit_date": _dates(_local_date(encounter.started_at, hospital), second) if encounter else None,
    }
    return _request(kind=EXAM_REPORT, patient=patient, hospital=hospital, context=context, second=second,
                    issued_by=issued_by, request=request)


# --- Check-up report (健康体检报告) ------------------------------------------------------------------------------------


def checkup_report_request(*, encounter, issued_by, summary="", summary_second="", second_language=None,
                           request=None):
    """Request a check-up report: each station's results with ranges and flags, and the doctor's summary."""
    _require_clinician(user=issued_by, hospital=encounter.hospital, object_type="encounter",
                       object_id=encounter.public_id, request=request)
    if encounter.kind != Encounter.Kind.CHECKUP:
        raise ValidationFailed(_("A check-up report is made for a health check-up visit."), code="not_a_checkup")
    patient, hospital = encounter.patient, encounter.hospital
    second = second_language_for(patient, second_language)
    reports = list(encounter.reports.select_related("order__service", "performer", "hospital")
                   .exclude(status=DiagnosticReport.Status.CANCELLED).order_by("category", "created_at"))
    released = [r for r in reports if r.status in DiagnosticReport.RELEASED]
    pending = [_service_names(r, second) for r in reports if r.status not in DiagnosticReport.RELEASED]
    vitals = encounter.observations.filter(category=Observation.Category.VITAL_SIGNS, report__isnull=True)
    categories = []
    for category in ("lab", "imaging", "procedure"):
        stations = [_report_block(r, second) for r in released if r.category == category]
        if stations:
            label, label_lang = _gettext_in(Order.Category(category).label, second)
            categories.append({"name": _text(CATEGORY_ZH[category], label, label_lang), "stations": stations})
    day = _local_date(encounter.started_at, hospital)
    context = {
        **_common(kind=CHECKUP_REPORT, patient=patient, hospital=hospital, on_day=day, second=second,
                  doctor=_doctor(encounter, issued_by)),
        "visit_date": _dates(day, second),
        "general": [_observation_row(o, second) for o in vitals.order_by("effective_at", "pk")],
        "categories": categories,
        "pending": pending,
        "abnormal_count": sum(1 for c in categories for s in c["stations"] for r in s["results"] if r["abnormal"]),
        "diagnoses": [_diagnosis(c, second) for c in encounter.conditions.order_by("-is_primary", "created_at")],
        "summary": _paired(summary, summary_second, second),
    }
    return _request(kind=CHECKUP_REPORT, patient=patient, hospital=hospital, context=context, second=second,
                    issued_by=issued_by, request=request)


# --- Discharge summary (出院小结) -------------------------------------------------------------------------------------


def discharge_summary_request(*, encounter, issued_by, second_language=None, request=None, course="",
                              course_second="", advice="", advice_second=""):
    """Request a discharge summary: the stay, diagnoses, procedures, results, medicines and advice."""
    _require_clinician(user=issued_by, hospital=encounter.hospital, object_type="encounter",
                       object_id=encounter.public_id, request=request)
    if encounter.kind != Encounter.Kind.INPATIENT:
        raise ValidationFailed(_("A discharge summary is made for an inpatient stay."), code="not_an_inpatient_stay")
    patient, hospital = encounter.patient, encounter.hospital
    second = second_language_for(patient, second_language)
    admitted = _local_date(encounter.started_at, hospital)
    discharged = _local_date(encounter.ended_at, hospital)
    reports = encounter.reports.filter(status__in=DiagnosticReport.RELEASED).select_related(
        "order__service", "performer", "hospital").order_by("finalised_at")
    prescriptions = encounter.prescriptions.exclude(status=MedicationRequest.Status.CANCELLED).order_by("authored_at")
    procedures = Procedure.objects.filter(encounter=encounter).order_by("performed_on")
    stay = (discharged - admitted).days if discharged else None
    context = {
        **_common(kind=DISCHARGE_SUMMARY, patient=patient, hospital=hospital, on_day=admitted, second=second,
                  doctor=_doctor(encounter, issued_by)),
        "admitted": _dates(admitted, second),
        "discharged": _dates(discharged, second) if discharged else None,
        "length_of_stay": _text(f"{stay}天", _duration(stay, "day", second), second) if stay is not None else None,
        "reason": _original(encounter.reason, PRIMARY) if encounter.reason else None,
        "diagnoses": [_diagnosis(c, second) for c in encounter.conditions.order_by("-is_primary", "created_at")],
        "procedures": [{"name": _coded("", p.display, second, known=False), "date": _dates(p.performed_on, second)}
                       for p in procedures],
        "reports": [_report_block(r, second) for r in reports],
        "medications": [{"name": _coded(m.code, m.display, second, system=ATC,
                                        known=bool(m.code)), "code": m.code, "dosage": m.dosage,
                         "quantity": m.quantity} for m in prescriptions],
        "course": _paired(course, course_second, second),
        "advice": _paired(advice, advice_second, second),
    }
    return _request(kind=DISCHARGE_SUMMARY, patient=patient, hospital=hospital, context=context, second=second,
                    issued_by=issued_by, request=request)


# --- Reading and downloading -------------------------------------------------------------------------------------


def _document(public_id):
    try:
        return document_get(public_id=uuid.UUID(str(public_id)))
    except (NotFound, ValueError):
        return None


def clinical_document_get_for_clinician(*, user, public_id, request=None):
    """Return a clinical document issued by one of the user's hospitals (as a clinician); NotFound otherwise."""
    document = _document(public_id)
    if document is None or document.kind not in KINDS or document.issuer not in clinical_hospitals(user):
        deny(user=user, request=request, object_type="document", object_id=public_id, reason="not_in_care")
    return document


def clinical_document_get_for_portal(*, user, public_id, request=None):
    """Return a clinical document about the user or one of their wards; NotFound otherwise."""
    document = _document(public_id)
    if (document is None or document.kind not in KINDS or document.patient_public_id is None
            or not portal_patients(user).filter(public_id=document.patient_public_id).exists()):
        deny(user=user, request=request, object_type="document", object_id=public_id, reason="not_own")
    return document


def document_read_audit(*, document, user, request=None, purpose="care"):
    """Record that a person downloaded a document's PDF."""
    audit_record(action="document.read", actor=user, request=request, organisation=document.issuer,
                 object_type="document", object_id=document.public_id, patient_public_id=document.patient_public_id,
                 purpose=purpose, details={"kind": document.kind})


def clinical_documents_of_patient(*, patient, hospital=None):
    """Return the clinical documents issued about a patient (by one hospital when given), newest first."""
    return documents_of_patient(patient_public_id=patient.public_id, issuer=hospital).filter(kind__in=KINDS)


def portal_documents(user):
    """Return the clinical documents about the user and their wards, newest first, each with its patient."""
    documents = []
    for patient in portal_patients(user):
        for document in clinical_documents_of_patient(patient=patient):
            document.patient = patient
            documents.append(document)
    return sorted(documents, key=lambda d: d.issued_at, reverse=True)


def kind_title(kind, language=None):
    """Return a document kind's name in a language (the active one by default)."""
    _zh, message = TITLES.get(kind, ("", kind))
    if language:
        with translation.override(language):
            return str(message)
    return str(message)
