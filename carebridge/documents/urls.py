from django.urls import path

from carebridge.documents import views

app_name = "documents"

urlpatterns = [
    path("verify/", views.verify_form, name="verify"),
    path("verify/<str:code>/", views.verify_code, name="verify_code"),
]
