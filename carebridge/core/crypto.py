"""Encryption of identity data at rest, and keyed hashes that let it be searched.

FIELD_ENCRYPTION_KEYS lists keys newest first. Values are encrypted with the newest (Fernet, via
MultiFernet) and decrypt with any; `manage.py keys_rotate` re-encrypts and re-hashes every stored value
with the newest key, after which older keys can be removed.
"""

import base64
import hashlib
import hmac
import unicodedata
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _derive(secret, purpose):
    return hashlib.sha256(f"carebridge:{purpose}:{secret}".encode()).digest()


@lru_cache(maxsize=4)
def _fernet(keys):
    return MultiFernet([Fernet(base64.urlsafe_b64encode(_derive(key, "encrypt"))) for key in keys])


def _keys():
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        raise RuntimeError("FIELD_ENCRYPTION_KEYS is empty")
    return keys


def encrypt(value):
    """Encrypt a string with the newest key."""
    return _fernet(_keys()).encrypt(value.encode()).decode()


def decrypt(token):
    """Decrypt a string encrypted with any configured key."""
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("the value cannot be decrypted with the configured keys") from exc


def rotate(token):
    """Re-encrypt a value with the newest key."""
    return _fernet(_keys()).rotate(token.encode()).decode()


def normalise_identifier(value):
    """Fold an identifier for matching: NFKC, upper case, no spaces, dashes or fillers."""
    folded = unicodedata.normalize("NFKC", value or "").upper()
    return "".join(ch for ch in folded if ch.isalnum())


def search_hash(value, *, namespace=""):
    """Return a keyed hash (HMAC-SHA256, newest key) of a normalised identifier, for exact-match search."""
    key = _derive(_keys()[0], "search")
    message = f"{namespace}:{normalise_identifier(value)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
