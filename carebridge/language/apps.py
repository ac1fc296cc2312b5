from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LanguageConfig(AppConfig):
    name = "carebridge.language"
    label = "language"
    verbose_name = _("Language services")

    def ready(self):
        from carebridge.language import demo, services  # noqa: F401 - connects the booking and demo receivers
