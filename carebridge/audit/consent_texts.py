"""The versioned consent texts shown to patients (PIPL: separate consent for each purpose).

A new wording gets a new version; the text actually shown, in the language shown, is stored with
each consent, so a later change of wording never alters what a patient agreed to.
"""

from django.utils.translation import gettext_lazy as _

from carebridge.audit.models import ConsentKind

CONSENT_TEXTS = {
    ConsentKind.PERSONAL_DATA: (
        "2026-11",
        _(
            "I agree that the hospital and CareBridge may process my personal information (name, passport "
            "details, contact details, nationality and language) to register me, arrange my visit, bill my "
            "care and keep in touch with me. I can withdraw this consent at any time; care already given "
            "and records the law requires the hospital to keep are not affected."
        ),
    ),
    ConsentKind.SENSITIVE_HEALTH_DATA: (
        "2026-11",
        _(
            "I agree that the hospital may process my health information (medical history, test results, "
            "diagnoses, treatment and medicines), which is sensitive personal information, for my care and "
            "for billing it. Only the people caring for me and the staff who need it for my visit may see "
            "it, and every access is recorded. I can withdraw this consent at any time."
        ),
    ),
    ConsentKind.CROSS_BORDER_TRANSFER: (
        "2026-11",
        _(
            "I agree that, when I ask for it, copies of my records may be sent outside mainland China: to my "
            "doctor at home, to my insurer, or through a share link I create. Each transfer is recorded and "
            "shown to me. I can withdraw this consent at any time; transfers already made cannot be undone."
        ),
    ),
    ConsentKind.MESSAGING_CONTACT: (
        "2026-11",
        _(
            "I agree that the hospital may contact me about appointments and reports through the messaging "
            "apps I have named (such as WhatsApp, WeChat or Telegram). Messages contain no health "
            "information, only a link to sign in."
        ),
    ),
}


def consent_text(kind):
    """Return (version, text in the active language) for a consent kind."""
    version, text = CONSENT_TEXTS[ConsentKind(kind)]
    return version, str(text)
