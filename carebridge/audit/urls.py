from django.urls import path

from carebridge.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.consent_list, name="consent_list"),
    path("give/", views.consent_give_view, name="consent_give"),
    path("<uuid:public_id>/withdraw/", views.consent_withdraw_view, name="consent_withdraw"),
]
