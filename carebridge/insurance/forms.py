"""Forms of the insurance pages: the coordinator's request and answers, the case manager's decisions, adjudication.

Amounts are taken as text and checked by the services, so a refusal reads the same on the page and in the API.
"""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebridge.insurance.models import ClaimLine

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


def amount_field(label, *, required=True, help_text=""):
    return forms.CharField(label=label, max_length=20, required=required, help_text=help_text,
                           widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off",
                                                         "dir": "ltr"}))


def text_field(label, *, required=True, rows=3, max_length=4000, help_text=""):
    return forms.CharField(label=label, required=required, max_length=max_length, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}))


class GopRequestForm(forms.Form):
    """The coordinator's request for a guarantee of payment, built from the case."""

    policy = forms.ChoiceField(label=_("Insurance policy"))
    setting = forms.ChoiceField(label=_("Setting"), choices=[("inpatient", _("Inpatient")),
                                                            ("outpatient", _("Outpatient"))])
    diagnoses = forms.CharField(
        label=_("Diagnoses (ICD-10)"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
        help_text=_("One per line: the ICD-10 code, then the name if you like, e.g. “J18.9 Pneumonia”."))
    treatment_plan = text_field(_("Treatment plan"), rows=4)
    admission_date = forms.DateField(label=_("Admission date"), **DATE)
    discharge_date = forms.DateField(label=_("Expected discharge"), required=False, **DATE)
    estimate = forms.ChoiceField(label=_("Accepted cost estimate"), required=False)
    requested_amount = amount_field(_("Amount requested (CNY)"), required=False,
                                    help_text=_("Leave empty to ask for the upper total of the estimate chosen."))
    reports = forms.MultipleChoiceField(label=_("Released reports to attach"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    documents = forms.MultipleChoiceField(label=_("Patient documents to attach"), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    urgent = forms.BooleanField(label=_("Urgent admission (the request comes later than the insurer asks)"),
                                required=False)

    def __init__(self, *args, policies=(), estimates=(), reports=(), documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].choices = [(str(p.public_id), f"{p.insurer_label} · {p.plan_name or p.member_id}")
                                         for p in policies]
        self.fields["estimate"].choices = [("", "—")] + [(str(e.public_id), f"{e.number} · {e.title}")
                                                         for e in estimates]
        self.fields["reports"].choices = [(str(r.public_id), r.label) for r in reports]
        self.fields["documents"].choices = [(str(d.public_id), d.title or d.get_kind_display()) for d in documents]

    def clean_diagnoses(self):
        from carebridge.clinical.terminology import icd10_display, icd10_normalise, icd10_validate

        rows = []
        for raw in self.cleaned_data["diagnoses"].splitlines():
            raw = raw.strip()
            if not raw:
                continue
            code, _sep, display = raw.partition(" ")
            normalised = icd10_normalise(code.strip(" ,;:-"))
            if not normalised or not icd10_validate(normalised):
                raise forms.ValidationError(_("“%(code)s” is not an ICD-10 diagnosis code."),
                                            code="icd10_invalid", params={"code": code})
            if not display.strip():
                found = icd10_display(normalised, "en")
                display = found[0] if found else ""
            rows.append({"code": normalised, "display": display.strip(" -–:")})
        if not rows:
            raise forms.ValidationError(_("Give at least one diagnosis with its ICD-10 code."), code="required")
        return rows

    def clean(self):
        data = super().clean()
        if not data.get("requested_amount") and not data.get("estimate"):
            self.add_error("requested_amount", _("Give the amount, or choose an accepted cost estimate."))
        return data


class AnswerForm(forms.Form):
    """The coordinator's answer to the insurer's question, with documents."""

    answer = text_field(_("Answer for the insurer"))
    reports = forms.MultipleChoiceField(label=_("Released reports to attach"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    documents = forms.MultipleChoiceField(label=_("Patient documents to attach"), required=False,
                                          widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, reports=(), documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reports"].choices = [(str(r.public_id), r.label) for r in reports]
        self.fields["documents"].choices = [(str(d.public_id), d.title or d.get_kind_display()) for d in documents]


class ExtensionRequestForm(forms.Form):
    additional_amount = amount_field(_("Additional amount (CNY)"))
    reason = text_field(_("Why more is needed"), rows=2, max_length=1000)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=300, required=False)


class MessageForm(forms.Form):
    body = text_field(_("Message"), rows=2)


class InfoRequestForm(forms.Form):
    question = text_field(_("What the insurer needs"))


class DecisionForm(forms.Form):
    """The case manager's decision on a request."""

    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("approve", _("Approve")), ("approve_part", _("Approve in part")), ("deny", _("Deny"))])
    limit = amount_field(_("Approved limit (CNY)"), required=False)
    deductible = amount_field(_("Deductible (CNY)"), required=False)
    coinsurance_percent = forms.DecimalField(label=_("Patient's co-insurance (%)"), required=False, min_value=0,
                                             max_value=99, decimal_places=2)
    excluded_codes = forms.CharField(label=_("Service codes not covered"), required=False, max_length=1000,
                                     help_text=_("Separate codes with commas."),
                                     widget=forms.TextInput(attrs={"dir": "ltr"}))
    conditions = text_field(_("Conditions"), required=False, rows=2)
    valid_until = forms.DateField(label=_("Guarantee valid until"), required=False, **DATE)
    insurer_reference = forms.CharField(label=_("Your reference"), max_length=80, required=False)
    reason = text_field(_("Reason"), required=False, rows=2, max_length=2000,
                        help_text=_("Needed to deny, or to approve more than was asked."))

    def clean(self):
        data = super().clean()
        if data.get("decision") in ("approve", "approve_part") and not data.get("limit"):
            self.add_error("limit", _("Give the approved limit."))
        valid_until = data.get("valid_until")
        if valid_until and valid_until < timezone.localdate():
            self.add_error("valid_until", _("The guarantee cannot end in the past."))
        return data

    def service_kwargs(self):
        data = self.cleaned_data
        percent = data.get("coinsurance_percent") or 0
        return {"decision": data["decision"], "limit": data.get("limit") or None, "reason": data.get("reason", ""),
                "conditions": data.get("conditions", ""), "deductible": data.get("deductible") or "0",
                "coinsurance_rate": str((Decimal(percent) / 100).quantize(Decimal("0.0001"))),
                "excluded_codes": [c.strip() for c in (data.get("excluded_codes") or "").split(",") if c.strip()],
                "valid_until": data.get("valid_until"), "insurer_reference": data.get("insurer_reference", "")}


class ExtensionDecisionForm(forms.Form):
    approve = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("yes", _("Approve the extension")), ("no", _("Refuse the extension"))])
    amount = amount_field(_("Amount granted (CNY)"), required=False,
                          help_text=_("Leave empty to grant the amount asked."))
    reason = text_field(_("Reason"), required=False, rows=2, max_length=1000)


class RemittanceForm(forms.Form):
    amount = amount_field(_("Amount received (CNY)"))
    remittance_reference = forms.CharField(label=_("Insurer's remittance reference"), max_length=120)


class InvoiceChoiceForm(forms.Form):
    invoice = forms.ChoiceField(label=_("Final invoice"))

    def __init__(self, *args, invoices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoice"].choices = [(str(i.public_id), i.number) for i in invoices]


class ClaimStartForm(InvoiceChoiceForm):
    """A claim for an invoice not billed under a GOP (where the agreement does not need one)."""

    policy = forms.ChoiceField(label=_("Insurance policy"))

    def __init__(self, *args, policies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].choices = [(str(p.public_id), f"{p.insurer_label} · {p.plan_name or p.member_id}")
                                         for p in policies]


class AdjudicationForm(forms.Form):
    """One decision per claim line; fields are named by the line's place in the claim (never a database id)."""

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        choices = [(ClaimLine.Decision.APPROVED, _("Approve")), (ClaimLine.Decision.PARTIAL, _("Approve in part")),
                   (ClaimLine.Decision.DENIED, _("Deny"))]
        for index, line in enumerate(self.lines):
            self.fields[f"decision_{index}"] = forms.ChoiceField(
                label=_("Decision"), choices=choices,
                initial=ClaimLine.Decision.APPROVED if line.covered else ClaimLine.Decision.DENIED)
            self.fields[f"amount_{index}"] = amount_field(_("Approved (CNY)"), required=False)
            self.initial.setdefault(f"amount_{index}", line.insurer_amount)
            self.fields[f"reason_{index}"] = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def rows(self):
        """Yield (line, decision field, amount field, reason field) for the template."""
        for index, line in enumerate(self.lines):
            yield line, self[f"decision_{index}"], self[f"amount_{index}"], self[f"reason_{index}"]

    def decisions(self):
        data = self.cleaned_data
        return {line.pk: (data[f"decision_{i}"], data[f"amount_{i}"] or None, data[f"reason_{i}"])
                for i, line in enumerate(self.lines)}


class FiguresForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)

    def year_or_current(self):
        if self.is_valid() and self.cleaned_data.get("year"):
            return self.cleaned_data["year"]
        return timezone.localdate().year

