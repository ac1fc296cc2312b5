"""Forms of the clinical pages, result rows read from a post, attachments, and the machine-translation hook."""

import hashlib
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from carebridge.audit.services import audit_record
from carebridge.catalog.models import Service
from carebridge.clinical.models import (
    AllergyIntolerance,
    Condition,
    DiagnosticReport,
    Encounter,
    Observation,
    Order,
    ReportAttachment,
)
from carebridge.core.errors import Conflict, ValidationFailed
from carebridge.patients.services import MAX_UPLOAD_BYTES, sniff_content_type

ORDERABLE_KINDS = (Service.Kind.IMAGING, Service.Kind.LAB_PANEL)
ATTACHMENT_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
ROW_FIELDS = ("code", "display", "value", "value_text", "unit", "reference_low", "reference_high", "flag")
BLANK_ROWS = 3

# The vital signs a visit records, LOINC-coded, each in its UCUM unit.
VITAL_SIGNS = (
    ("heart_rate", "8867-4", "/min", _("Heart rate (/min)")),
    ("respiratory_rate", "9279-1", "/min", _("Respiratory rate (/min)")),
    ("temperature", "8310-5", "Cel", _("Body temperature (°C)")),
    ("spo2", "59408-5", "%", _("Oxygen saturation SpO2 (%)")),
    ("systolic", "8480-6", "mm[Hg]", _("Blood pressure, systolic (mmHg)")),
    ("diastolic", "8462-4", "mm[Hg]", _("Blood pressure, diastolic (mmHg)")),
    ("weight", "29463-7", "kg", _("Body weight (kg)")),
    ("height", "8302-2", "cm", _("Body height (cm)")),
)


def _language_choices():
    return list(settings.LANGUAGES)


class WalkInForm(forms.Form):
    patient = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind of visit"), choices=Encounter.Kind.choices, initial=Encounter.Kind.OUTPATIENT)
    reason = forms.CharField(label=_("Reason for the visit"), max_length=300, required=False)


class OrderForm(forms.Form):
    service = forms.ModelChoiceField(label=_("Exam or test"), queryset=Service.objects.none(),
                                     to_field_name="public_id")
    priority = forms.ChoiceField(label=_("Priority"), choices=Order.Priority.choices, initial=Order.Priority.ROUTINE)
    note = forms.CharField(label=_("Clinical note"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           max_length=2000)

    def __init__(self, *args, hospital, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = orderable_services(hospital)


def orderable_services(hospital):
    """Return the exams and tests a hospital offers to order."""
    return Service.objects.filter(hospital=hospital, is_active=True, kind__in=ORDERABLE_KINDS).order_by("kind", "name")


class ConditionForm(forms.Form):
    code = forms.CharField(label=_("ICD-10 code"), max_length=10,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "list": "icd10-results"}))
    display = forms.CharField(label=_("Name as written (optional)"), max_length=300, required=False)
    onset = forms.DateField(label=_("Since"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    is_primary = forms.BooleanField(label=_("Main diagnosis of the visit"), required=False)
    clinical_status = forms.ChoiceField(label=_("Status"), choices=Condition.ClinicalStatus.choices,
                                        initial=Condition.ClinicalStatus.ACTIVE)


class VitalSignsForm(forms.Form):
    """One field per vital sign; the filled ones become LOINC-coded result rows."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, _code, _unit, label in VITAL_SIGNS:
            self.fields[name] = forms.DecimalField(label=label, required=False, max_digits=10, decimal_places=4,
                                                   widget=forms.NumberInput(attrs={"step": "any"}))

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) is not None for name, *_rest in VITAL_SIGNS) and not self.errors:
            raise forms.ValidationError(_("Enter at least one measurement."))
        return cleaned

    def rows(self):
        """Return the measurements as result rows for vital_signs_record (with the field each came from)."""
        return [{"code": code, "value": self.cleaned_data[name], "unit": unit, "field": name}
                for name, code, unit, _label in VITAL_SIGNS if self.cleaned_data.get(name) is not None]


class AllergyForm(forms.Form):
    display = forms.CharField(label=_("Substance"), max_length=300)
    code = forms.CharField(label=_("Code (optional)"), max_length=64, required=False)
    criticality = forms.ChoiceField(label=_("Criticality"), choices=AllergyIntolerance.Criticality.choices,
                                    initial=AllergyIntolerance.Criticality.UNABLE)
    reaction = forms.CharField(label=_("Reaction"), max_length=300, required=False)


class PrescriptionForm(forms.Form):
    atc_code = forms.CharField(label=_("ATC code"), max_length=10, required=False)
    display = forms.CharField(label=_("Medicine"), max_length=300, required=False)
    dosage = forms.CharField(label=_("How to take it"), max_length=300)
    quantity = forms.CharField(label=_("Quantity"), max_length=60, required=False)


class MedicationStatementForm(forms.Form):
    display = forms.CharField(label=_("Medicine"), max_length=300)
    atc_code = forms.CharField(label=_("ATC code (optional)"), max_length=10, required=False)
    dosage = forms.CharField(label=_("How it is taken"), max_length=300, required=False)
    is_active = forms.BooleanField(label=_("Still taken"), required=False, initial=True)
    source = forms.CharField(label=_("Source"), max_length=200, required=False)


class ImmunizationForm(forms.Form):
    vaccine = forms.ChoiceField(label=_("Vaccine"), choices=())
    occurred_on = forms.DateField(label=_("Date given"), widget=forms.DateInput(attrs={"type": "date"}))
    dose_number = forms.IntegerField(label=_("Dose"), min_value=1, max_value=20, required=False)
    country = forms.CharField(label=_("Country where given (ISO code)"), max_length=2, required=False)
    given_here = forms.BooleanField(label=_("Given here"), required=False)
    source = forms.CharField(label=_("Source"), max_length=200, required=False)


    def __init__(self, *args, **kwargs):
        from carebridge.clinical.terminology import vaccine_keys, vaccine_lookup

        super().__init__(*args, **kwargs)
        language = get_language()
        self.fields["vaccine"].choices = [("", "—")] + sorted(
            ((key, vaccine_lookup(key).name(language)[0]) for key in vaccine_keys()), key=lambda pair: pair[1])


class ProcedureForm(forms.Form):
    display = forms.CharField(label=_("Procedure"), max_length=300)
    code = forms.CharField(label=_("Code (optional)"), max_length=64, required=False)
    performed_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))


class ReportForm(forms.Form):
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    conclusion = forms.CharField(label=_("Conclusion"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    conclusion_language = forms.ChoiceField(label=_("Language of the conclusion"), choices=_language_choices)


class AmendForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the amendment"), max_length=300)
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    conclusion = forms.CharField(label=_("Conclusion"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why is the report cancelled?"), max_length=300)


class AttachmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))


class TranslationForm(forms.Form):
    text = forms.CharField(label=_("Translation"), widget=forms.Textarea(attrs={"rows": 6}))
    machine = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Send back"))])


def rows_from_post(data, prefix="obs"):
    """Read result rows (`obs-<n>-<field>`) from a post, in order, leaving out rows left blank."""
    indexes = set()
    for key in data:
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit() and parts[2] in ROW_FIELDS:
            indexes.add(int(parts[1]))
    rows = []
    for index in sorted(indexes)[:200]:
        row = {field: (data.get(f"{prefix}-{index}-{field}") or "").strip() for field in ROW_FIELDS}
        if any(row.values()):
            rows.append(row)
    return rows


def rows_from_report(report):
    """Return a report's stored results as editable rows."""
    return [{"code": o.code, "display": o.display, "unit": o.unit, "value_text": o.value_text, "flag": o.flag,
             "value": _plain(o.value_quantity), "reference_low": _plain(o.reference_low),
             "reference_high": _plain(o.reference_high)} for o in report.observations.all()]


def _plain(value):
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text


def rows_for_service(rows):
    """Turn posted rows into what report_write expects (empty strings as missing values)."""
    return [{key: (value if value != "" else None) if key in ("value", "reference_low", "reference_high") else value
             for key, value in row.items()} for row in rows]


def rows_with_blanks(rows, errors=None):
    """Return rows to render: each with its errors, then blank rows to add results."""
    errors = errors or {}
    shown = [{**row, "errors": errors.get(index, [])} for index, row in enumerate(rows)]
    return shown + [{"errors": []} for _i in range(BLANK_ROWS)]


def split_errors(form, exc):
    """Put a service's ValidationFailed details on the form; return result-row errors by row index.

    `observations.2` and `observations.2.value` name the third row; other keys name form fields,
    and anything else becomes a form-wide error.
    """
    row_errors = {}
    if not exc.details:
        form.add_error(None, str(exc.message))
        return row_errors
    for key, messages in exc.details.items():
        messages = messages if isinstance(messages, list) else [messages]
        parts = str(key).split(".")
        if parts[0] == "observations" and len(parts) > 1 and parts[1].isdigit():
            row_errors.setdefault(int(parts[1]), []).extend(str(m) for m in messages)
            continue
        for message in messages:
            form.add_error(key if key in form.fields else None, str(message))
    if row_errors:
        form.add_error(None, str(exc.message))
    return row_errors


def attachment_add(*, report, actor, upload, title, request=None):
    """Attach a PDF, JPEG or PNG to a report, its type read from its first bytes; audited."""
    if report.status not in (DiagnosticReport.Status.REGISTERED, DiagnosticReport.Status.PRELIMINARY):
        raise Conflict(_("A released or cancelled report cannot be changed; amend it instead."),
                       code="report_not_editable")
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationFailed(_("The file is larger than 10 MB."), code="file_too_large",
                               details={"file": [str(_("The file is larger than 10 MB."))]})
    data = upload.read()
    content_type = sniff_content_type(data[:16])
    if content_type not in ATTACHMENT_TYPES:
        raise ValidationFailed(_("Upload a PDF, JPEG or PNG file."), code="file_type_not_supported",
                               details={"file": [str(_("Upload a PDF, JPEG or PNG file."))]})
    with transaction.atomic():
        attachment = ReportAttachment(report=report, title=(title or "").strip()[:200] or report.display[:200],
                                      content_type=content_type, size=len(data),
                                      sha256=hashlib.sha256(data).hexdigest())
        attachment.file.save(f"{attachment.public_id}.{ATTACHMENT_TYPES[content_type]}", ContentFile(data),
                             save=False)
        attachment.save()
        audit_record(action="report_attachment.added", actor=actor, request=request, organisation=report.hospital,
                     object_type="report_attachment", object_id=attachment.public_id,
                     patient_public_id=report.patient.public_id, purpose="care",
                     details={"size": len(data), "content_type": content_type})
    return attachment


class MachineTranslator:
    """A machine-translation backend: offers a draft that a human translator then corrects and submits.

    Set CLINICAL_MACHINE_TRANSLATION to the dotted path of a subclass (or of any callable returning an
    object with this method). Nothing is translated by machine unless the setting names a backend.
    """

    def translate(self, text, *, source_language, target_language):
        """Return the text translated, or None when this backend cannot translate between the languages."""
        raise NotImplementedError


def machine_translator():
    """Return the configured machine-translation backend, or None when it is off (the default)."""
    path = getattr(settings, "CLINICAL_MACHINE_TRANSLATION", None)
    if not path:
        return None
    return import_string(path)()


def machine_draft(translation):
    """Return a machine draft of a translation request's source text, or None."""
    backend = machine_translator()
    if backend is None:
        return None
    text = backend.translate(translation.source_text, source_language=translation.source_language,
                             target_language=translation.target_language)
    return text or None


VITAL_SIGN_CODES = {code for _name, code, _unit, _label in VITAL_SIGNS}
OBSERVATION_FLAGS = Observation.Flag.choices
