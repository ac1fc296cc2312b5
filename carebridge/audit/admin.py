from django.contrib import admin

from carebridge.audit.models import AuditEvent, Consent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Show the audit log read-only: nobody adds, changes or deletes a row here."""

    list_display = ("occurred_at", "actor_label", "action", "object_type", "object_id", "outcome", "ip_address")
    list_filter = ("action", "outcome")
    search_fields = ("actor_label", "object_id", "action")
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    """Show consents read-only; patients give and withdraw them in the portal."""

    list_display = ("subject_public_id", "kind", "text_version", "text_language", "given_at", "withdrawn_at")
    list_filter = ("kind", "text_language")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
