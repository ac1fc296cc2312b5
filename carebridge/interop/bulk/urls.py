from django.urls import path

from carebridge.interop.bulk import pages

app_name = "interop_bulk"

urlpatterns = [
    path("", pages.export_list, name="list"),
    path("groups/new/", pages.group_create, name="group_create"),
    path("files/<uuid:public_id>/", pages.export_download, name="download"),
    path("<uuid:public_id>/", pages.export_detail, name="detail"),
    path("<uuid:public_id>/cancel/", pages.export_cancel, name="cancel"),
]
