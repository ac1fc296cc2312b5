"""The clinical record in the admin: read-only, because every change goes through the services (audited, versioned)."""

from django.contrib import admin

from carebridge.clinical.models import (
    AllergyIntolerance,
    Condition,
    DiagnosticReport,
    Encounter,
    Immunization,
    MedicationRequest,
    MedicationStatement,
    Observation,
    Order,
    Procedure,
    ReportAttachment,
    ReportVersion,
    TextTranslation,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Show records without letting anyone add, change or delete them here."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ObservationInline(ReadOnlyInline):
    model = Observation
    fk_name = "report"
    fields = ("code", "display", "value_quantity", "value_text", "unit", "reference_low", "reference_high", "flag")


class ReportVersionInline(ReadOnlyInline):
    model = ReportVersion
    fields = ("version", "status", "replaced_at", "replaced_by", "reason")


class AttachmentInline(ReadOnlyInline):
    model = ReportAttachment
    fields = ("title", "content_type", "size", "sha256")


@admin.register(Encounter)
class EncounterAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "hospital", "kind", "status", "attending")
    list_filter = ("hospital", "kind", "status")
    date_hierarchy = "started_at"


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("ordered_at", "service", "category", "priority", "status", "due_at")
    list_filter = ("encounter__hospital", "category", "status", "priority")
    date_hierarchy = "ordered_at"


@admin.register(DiagnosticReport)
class DiagnosticReportAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "hospital", "display", "category", "status", "version", "finalised_at")
    list_filter = ("hospital", "category", "status")
    search_fields = ("code", "display")
    inlines = [ObservationInline, ReportVersionInline, AttachmentInline]


@admin.register(Observation)
class ObservationAdmin(ReadOnlyAdmin):
    list_display = ("effective_at", "category", "code", "display", "value_quantity", "unit", "flag", "code_known")
    list_filter = ("category", "flag", "code_known")
    search_fields = ("code", "display")


@admin.register(Condition)
class ConditionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "code", "display", "clinical_status", "is_primary", "code_known")
    list_filter = ("clinical_status", "code_known")
    search_fields = ("code", "display")


@admin.register(AllergyIntolerance)
class AllergyAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "display", "criticality", "is_active")
    list_filter = ("criticality", "is_active")


@admin.register(MedicationRequest)
class PrescriptionAdmin(ReadOnlyAdmin):
    list_display = ("authored_at", "code", "display", "status")
    list_filter = ("status",)
    search_fields = ("code", "display")


@admin.register(MedicationStatement)
class MedicationStatementAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "code", "display", "is_active")


@admin.register(Immunization)
class ImmunizationAdmin(ReadOnlyAdmin):
    list_display = ("occurred_on", "vaccine_key", "display", "dose_number", "country", "given_here")
    list_filter = ("given_here", "vaccine_key")


@admin.register(Procedure)
class ProcedureAdmin(ReadOnlyAdmin):
    list_display = ("performed_on", "code", "display")


@admin.register(TextTranslation)
class TextTranslationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "field", "source_language", "target_language", "status", "machine")
    list_filter = ("status", "target_language", "machine")
