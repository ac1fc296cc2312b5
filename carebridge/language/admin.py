from django.contrib import admin

from carebridge.language.models import (
    Interpreter,
    InterpreterAssignment,
    InterpreterAvailability,
    InterpreterClaim,
    InterpreterLanguage,
    NavigatorAssignment,
)


class InterpreterLanguageInline(admin.TabularInline):
    model = InterpreterLanguage
    extra = 1


class InterpreterAvailabilityInline(admin.TabularInline):
    model = InterpreterAvailability
    extra = 1


@admin.register(Interpreter)
class InterpreterAdmin(admin.ModelAdmin):
    list_display = ("user", "hospital", "kind", "certification", "organisation", "is_active")
    list_filter = ("hospital", "kind", "certification", "is_active")
    search_fields = ("user__email", "user__full_name", "organisation")
    raw_id_fields = ("user",)
    inlines = [InterpreterLanguageInline, InterpreterAvailabilityInline]


class InterpreterClaimInline(admin.TabularInline):
    model = InterpreterClaim
    extra = 0
    can_delete = False
    readonly_fields = ("interpreter", "block")

    def has_add_permission(self, request, obj=None):
        # Claims are written only by the services, inside the transaction that holds the assignment.
        return False


@admin.register(InterpreterAssignment)
class InterpreterAssignmentAdmin(admin.ModelAdmin):
    list_display = ("public_id", "hospital", "language", "start", "status", "interpreter", "how", "minutes_worked")
    list_filter = ("hospital", "status", "how", "language")
    date_hierarchy = "start"
    # Changing who holds an assignment must claim time: use the queue page or the API, not this form.
    readonly_fields = ("appointment", "hospital", "interpreter", "status", "how", "start", "end", "decided_by",
                       "decided_at", "public_id")
    inlines = [InterpreterClaimInline]


@admin.register(InterpreterClaim)
class InterpreterClaimAdmin(admin.ModelAdmin):
    list_display = ("interpreter", "block", "assignment")
    list_filter = ("interpreter__hospital",)
    readonly_fields = ("interpreter", "block", "assignment")

    def has_add_permission(self, request):
        return False


@admin.register(NavigatorAssignment)
class NavigatorAssignmentAdmin(admin.ModelAdmin):
    list_display = ("patient", "navigator", "hospital", "language", "start", "end", "is_active")
    list_filter = ("hospital", "is_active", "language")
    raw_id_fields = ("patient", "navigator", "decided_by")
