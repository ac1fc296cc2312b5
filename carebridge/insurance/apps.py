from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsuranceConfig(AppConfig):
    name = "carebridge.insurance"
    label = "insurance"
    verbose_name = _("Insurance")

    def ready(self):
        from carebridge.insurance import demo, tasks  # noqa: F401 - the demo receiver and the deadline jobs
