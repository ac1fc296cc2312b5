from django.urls import path, re_path

from carebridge.interop import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    re_path(r"^(?P<path>.*)$", views.not_supported, name="not_supported"),
]
