from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "carebridge.audit"
    label = "audit"
    verbose_name = _("Audit and consent")

    def ready(self):
        from carebridge.audit import receivers  # noqa: F401 - connects the signal receivers
