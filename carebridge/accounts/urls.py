from django.contrib.auth import views as auth_views
from django.urls import path

from carebridge.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign_in"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="sign_out"),
    path("sign-up/", views.sign_up, name="sign_up"),
    path("verify/<str:token>/", views.email_verify, name="email_verify"),
    path("second-factor/set-up/", views.otp_setup, name="otp_setup"),
    path("second-factor/", views.otp_verify, name="otp_verify"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("preferences/", views.preferences, name="preferences"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
