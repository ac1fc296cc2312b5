from django.contrib import admin

from carebridge.catalog.models import Department, ExchangeRate, PackageStation, Service


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "hospital")
    list_filter = ("hospital",)
    search_fields = ("name", "code")


class PackageStationInline(admin.TabularInline):
    model = PackageStation
    extra = 0
    fields = ("order", "name", "area", "duration_minutes", "capacity", "translations")
    ordering = ("order",)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "department", "hospital", "duration_minutes", "price", "is_active")
    list_filter = ("hospital", "kind", "is_active")
    search_fields = ("name", "code")
    list_select_related = ("department", "hospital")
    inlines = [PackageStationInline]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("date", "base", "currency", "rate", "source", "entered_by")
    list_filter = ("source", "base", "currency")
    date_hierarchy = "date"
    search_fields = ("currency",)
    raw_id_fields = ("entered_by",)
