from django.urls import path

from carebridge.interop.ips import views

app_name = "ips"

urlpatterns = [
    path("summary/<uuid:public_id>/", views.summary_page, name="summary"),
    path("summary/<uuid:public_id>/ips.json", views.summary_json, name="summary_json"),
    path("summary/<uuid:public_id>/ips.pdf", views.summary_pdf, name="summary_pdf"),
    path("summary/<uuid:public_id>/import/", views.summary_import, name="summary_import"),
]
