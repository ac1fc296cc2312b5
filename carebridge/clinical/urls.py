from django.urls import path

from carebridge.clinical import views

app_name = "clinical"

urlpatterns = [
    path("clinical/", views.workspace, name="workspace"),
    path("clinical/appointments/<uuid:public_id>/open/", views.encounter_open_from_appointment,
         name="encounter_open_from_appointment"),
    path("clinical/walk-in/", views.encounter_walk_in, name="encounter_walk_in"),
    path("clinical/encounters/<uuid:public_id>/", views.encounter_detail, name="encounter_detail"),
    path("clinical/encounters/<uuid:public_id>/finish/", views.encounter_finish, name="encounter_finish"),
    path("clinical/encounters/<uuid:public_id>/<slug:what>/", views.encounter_add, name="encounter_add"),
    path("clinical/icd10/", views.icd10_search, name="icd10_search"),
    path("clinical/queue/", views.queue, name="queue"),
    path("clinical/reports/<uuid:public_id>/", views.report_detail, name="report_detail"),
    path("clinical/reports/<uuid:public_id>/amend/", views.report_amend, name="report_amend"),
    path("clinical/reports/<uuid:public_id>/cancel/", views.report_cancel, name="report_cancel"),
    path("clinical/reports/<uuid:public_id>/attachments/", views.report_attach, name="report_attach"),
    path("clinical/reports/<uuid:public_id>/translation/", views.translation_ask, name="translation_ask"),
    path("clinical/attachments/<uuid:public_id>/", views.attachment_download, name="attachment_download"),
    path("clinical/translations/", views.translation_list, name="translation_list"),
    path("clinical/translations/<uuid:public_id>/", views.translation_detail, name="translation_detail"),
    path("clinical/translations/<uuid:public_id>/review/", views.translation_review, name="translation_review"),
    path("portal/reports/", views.portal_reports, name="portal_reports"),
    path("portal/reports/<uuid:public_id>/", views.portal_report, name="portal_report"),
    path("portal/messages/<uuid:public_id>/", views.message_open, name="message_open"),
]
