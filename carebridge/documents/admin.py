from django.contrib import admin

from carebridge.documents.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """Show documents' state for operators; content and files stay out of the admin (health data)."""

    list_display = ["verification_code", "kind", "issuer", "status", "progress", "issued_at"]
    list_filter = ["status", "kind"]
    search_fields = ["verification_code"]
    fields = ["public_id", "kind", "title", "issuer", "languages", "status", "progress", "error", "sha256",
              "content_sha256", "verification_code", "issued_at", "rendered_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
