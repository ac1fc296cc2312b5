from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicalConfig(AppConfig):
    name = "carebridge.clinical"
    label = "clinical"
    verbose_name = _("Clinical record")

    def ready(self):
        from carebridge.clinical import demo  # noqa: F401 - the demo receiver
