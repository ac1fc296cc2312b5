"""Top-level routes: pages, the JSON API at /api/v1 and the FHIR R4 API at /fhir/r4."""

from django.contrib import admin
from django.urls import include, path

from carebridge.core import views as core_views
from config.api import api

urlpatterns = [
    path("", core_views.home, name="home"),
    path("language/", core_views.language_set, name="language_set"),
    path("accounts/", include("carebridge.accounts.urls")),
    path("consents/", include("carebridge.audit.urls")),
    path("interpreters/", include("carebridge.language.urls")),
    path("catalog/", include("carebridge.catalog.urls")),
    path("", include("carebridge.patients.urls")),
    path("", include("carebridge.scheduling.urls")),
    path("", include("carebridge.clinical.urls")),
    path("billing/", include("carebridge.billing.urls")),
    path("insurance/", include("carebridge.insurance.urls")),
    path("", include("carebridge.clinical.document_urls")),
    path("pathways/", include("carebridge.clinical.pathways.urls")),
    path("", include("carebridge.documents.urls")),
    path("portal/shares/", include("carebridge.interop.sharing.urls")),
    path("s/", include("carebridge.interop.sharing.public_urls")),
    path("", include("carebridge.interop.referrals.urls")),
    path("interop/bulk/", include("carebridge.interop.bulk.urls")),
    path("api/v1/", api.urls),
    path("fhir/r4/", include("carebridge.interop.urls")),
    path("", include("carebridge.interop.ips.urls")),
    path("", include("carebridge.interop.smart.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "carebridge.core.views.bad_request"
handler403 = "carebridge.core.views.permission_denied"
handler404 = "carebridge.core.views.page_not_found"
handler500 = "carebridge.core.views.server_error"
