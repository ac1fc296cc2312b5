from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "carebridge.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self):
        from carebridge.documents import tasks  # noqa: F401 - registers the job handlers
