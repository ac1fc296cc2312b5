from django.urls import path

from carebridge.clinical.pathways import views

app_name = "pathways"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("patients/<uuid:public_id>/", views.patient_pathways, name="patient"),
    path("patients/<uuid:public_id>/vaccinations/", views.catch_up, name="catch_up"),
    path("patients/<uuid:public_id>/anti-d/", views.anti_d, name="anti_d"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/cancel/", views.cancel, name="cancel"),
    path("steps/<uuid:public_id>/complete/", views.step_action, {"action": "complete"}, name="step_complete"),
    path("steps/<uuid:public_id>/skip/", views.step_action, {"action": "skip"}, name="step_skip"),
]
