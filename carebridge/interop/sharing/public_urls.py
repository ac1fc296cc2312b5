"""The doctor's side of share links, reachable without an account: /s/<token>/…"""

from django.urls import path

from carebridge.interop.sharing import views

app_name = "shl"

urlpatterns = [
    path("<str:token>/", views.shl_page, name="page"),
    path("<str:token>/documents/<uuid:document_id>/", views.shl_document, name="document"),
    path("<str:token>/manifest", views.shl_manifest, name="manifest"),
    path("<str:token>/files/<str:ticket>", views.shl_file, name="file"),
]
