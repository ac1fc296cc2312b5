from django.contrib import admin

from carebridge.scheduling.models import (
    Appointment,
    BookingPolicy,
    Clinician,
    ClinicianLanguage,
    HospitalClosure,
    Room,
    RoomBooking,
    RoomType,
    ScheduleException,
    ScheduleTemplate,
)


class ClinicianLanguageInline(admin.TabularInline):
    model = ClinicianLanguage
    extra = 1


class ScheduleTemplateInline(admin.TabularInline):
    model = ScheduleTemplate
    extra = 0


@admin.register(Clinician)
class ClinicianAdmin(admin.ModelAdmin):
    list_display = ("name", "name_local", "hospital", "international_expert", "is_active")
    list_filter = ("hospital", "international_expert")
    search_fields = ("name", "name_local")
    filter_horizontal = ("departments", "services")
    inlines = [ClinicianLanguageInline, ScheduleTemplateInline]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Appointments are changed through the booking pages, so the admin shows them read-only."""

    list_display = ("start", "hospital", "service", "clinician", "status", "interpreter_language")
    list_filter = ("hospital", "status")
    readonly_fields = [field.name for field in Appointment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


@admin.register(RoomType)
class RoomTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "hospital", "kind", "nightly_price", "companion_beds")
    inlines = [RoomInline]


admin.site.register(BookingPolicy)
admin.site.register(HospitalClosure)
admin.site.register(ScheduleException)
admin.site.register(RoomBooking)
