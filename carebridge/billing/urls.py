from django.urls import path

from carebridge.billing import views, views_bank, views_online, webhooks

app_name = "billing"

urlpatterns = [
    path("account/", views.portal_account, name="portal_account"),
    path("estimates/<str:public_id>/", views.portal_estimate, name="portal_estimate"),
    path("invoices/<str:public_id>/", views.portal_invoice, name="portal_invoice"),
    # The cashier's desk and cost estimates (pages work).
    path("desk/", views.cashier_home, name="cashier_home"),
    path("desk/patients/<uuid:public_id>/", views.cashier_patient, name="cashier_patient"),
    path("desk/patients/<uuid:public_id>/invoice/", views.cashier_invoice_draft, name="cashier_invoice_draft"),
    path("desk/patients/<uuid:public_id>/payment/", views.cashier_payment, name="cashier_payment"),
    path("desk/payments/<uuid:public_id>/refund/", views.cashier_refund, name="cashier_refund"),
    path("desk/invoices/<uuid:public_id>/", views.cashier_invoice, name="cashier_invoice"),
    path("desk/invoices/<uuid:public_id>/lines/", views.cashier_invoice_line, name="cashier_invoice_line"),
    path("desk/invoices/<uuid:public_id>/issue/", views.cashier_invoice_issue, name="cashier_invoice_issue"),
    path("desk/invoices/<uuid:public_id>/apply-deposits/", views.cashier_deposit_apply,
         name="cashier_deposit_apply"),
    path("desk/invoices/<uuid:public_id>/write-off/", views.cashier_write_off, name="cashier_write_off"),
    path("desk/invoices/<uuid:public_id>/credit-note/", views.cashier_credit_note, name="cashier_credit_note"),
    path("desk/estimates/", views.estimate_desk, name="estimate_desk"),
    path("desk/estimates/new/<uuid:public_id>/", views.estimate_create, name="estimate_create"),
    path("desk/estimates/<uuid:public_id>/", views.estimate_detail, name="estimate_detail"),
    path("desk/estimates/<uuid:public_id>/send/", views.estimate_send, name="estimate_send"),
    path("pay/<str:patient_id>/", views_online.pay, name="pay"),
    path("pay/return/<uuid:intent_id>/", views_online.pay_return, name="pay_return"),
    path("sandbox/pay/<str:reference>/", views_online.sandbox_page, name="sandbox_pay"),
    path("webhooks/<str:provider>/", webhooks.webhook, name="webhook"),
    # Bank statements, reconciliation and the billing PDFs (views_bank).
    path("bank/", views_bank.bank_home, name="bank_home"),
    path("bank/lines/", views_bank.bank_line_action, name="bank_line_action"),
    path("reconciliation/", views_bank.reconciliation_page, name="reconciliation"),
    path("invoices/<uuid:public_id>/pdf/", views_bank.invoice_pdf, name="invoice_pdf"),
    path("payments/<uuid:public_id>/receipt/", views_bank.receipt_pdf, name="receipt_pdf"),
]
