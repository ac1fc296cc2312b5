"""Password rules beyond Django's own (OWASP ASVS level 2)."""

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext


class MaximumLengthValidator:
    """Refuse absurdly long passwords while allowing passphrases of 64 characters and more."""

    def __init__(self, max_length=128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long. It must contain at most %(max_length)d character.",
                    "This password is too long. It must contain at most %(max_length)d characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self):
        return ngettext(
            "Your password can be up to %(max_length)d character long; a long passphrase is welcome.",
            "Your password can be up to %(max_length)d characters long; a long passphrase is welcome.",
            self.max_length,
        ) % {"max_length": self.max_length}
