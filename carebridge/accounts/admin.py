from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from carebridge.accounts import services
from carebridge.accounts.models import ApiToken, Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("organisation", "role", "is_active")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "language", "time_zone", "is_active", "email_verified_at")
    search_fields = ("email", "full_name")
    list_filter = ("is_active", "is_staff", "language")
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "language", "time_zone", "email_verified_at")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    filter_horizontal = ()


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country", "city", "time_zone", "default_currency")
    list_filter = ("kind", "country")
    search_fields = ("name", "name_local", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Create tokens (the secret is shown once, in a message) and revoke them; never edit a secret."""

    list_display = ("name", "organisation", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    list_filter = ("organisation",)
    fields = ("organisation", "name", "scopes", "expires_at")
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def save_model(self, request, obj, form, change):
        token, secret = services.api_token_create(
            organisation=obj.organisation, name=obj.name, scopes=obj.scopes or [], created_by=request.user,
            expires_at=obj.expires_at,
        )
        obj.pk = token.pk
        obj.__dict__.update(token.__dict__)
        messages.warning(request, f"Copy this token now; it will not be shown again: {secret}")

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            services.api_token_revoke(token=token, revoked_by=request.user)
