from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatientsConfig(AppConfig):
    name = "carebridge.patients"
    label = "patients"
    verbose_name = _("Patients")

    def ready(self):
        from carebridge.patients import demo  # noqa: F401 - connects the demo-data receiver
