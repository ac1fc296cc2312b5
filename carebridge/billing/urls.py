from django.urls import path

from carebridge.billing import views, views_online, webhooks

app_name = "billing"

urlpatterns = [
    path("account/", views.portal_account, name="portal_account"),
    path("estimates/<str:public_id>/", views.portal_estimate, name="portal_estimate"),
    path("invoices/<str:public_id>/", views.portal_invoice, name="portal_invoice"),
    path("pay/<str:patient_id>/", views_online.pay, name="pay"),
    path("pay/return/<uuid:intent_id>/", views_online.pay_return, name="pay_return"),
    path("sandbox/pay/<str:reference>/", views_online.sandbox_page, name="sandbox_pay"),
    path("webhooks/<str:provider>/", webhooks.webhook, name="webhook"),
]
