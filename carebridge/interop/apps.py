from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "carebridge.interop"
    label = "interop"
    verbose_name = _("Interoperability (FHIR)")

    def ready(self):
        from carebridge.interop.bulk import tasks  # noqa: F401 - registers the bulk export jobs
