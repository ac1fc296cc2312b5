from django.urls import path

from carebridge.billing import views

app_name = "billing"

urlpatterns = [
    path("account/", views.portal_account, name="portal_account"),
    path("estimates/<str:public_id>/", views.portal_estimate, name="portal_estimate"),
    path("invoices/<str:public_id>/", views.portal_invoice, name="portal_invoice"),
]
