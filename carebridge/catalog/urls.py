from django.urls import path

from carebridge.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.hospital_list, name="hospital_list"),
    path("services/<uuid:public_id>/", views.service_detail, name="service_detail"),
    path("exchange-rates/", views.exchange_rates, name="exchange_rates"),
    path("exchange-rates/import/", views.exchange_rates_upload, name="exchange_rates_upload"),
    path("exchange-rates/add/", views.exchange_rate_add, name="exchange_rate_add"),
    path("<slug:hospital_slug>/", views.service_list, name="service_list"),
]
