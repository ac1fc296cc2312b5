"""JWE compact serialisation with "alg": "dir" and "enc": "A256GCM", as SMART Health Links encrypt their files.

Built on `cryptography` (Apache-2.0/BSD): the content key is the link's 32-byte key itself ("dir"), so the
encrypted-key part is empty; the additional authenticated data is the ASCII of the encoded protected header.
"""

import base64
import json
import os
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def b64url(data):
    """Encode bytes as base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    """Decode base64url with or without padding."""
    text = text.encode("ascii") if isinstance(text, str) else text
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def key_new():
    """Return a new SHL key: 32 random bytes, base64url (43 characters)."""
    return b64url(secrets.token_bytes(32))


def jwe_encrypt(*, key, plaintext, content_type):
    """Encrypt bytes with a base64url key into a JWE compact string whose header names the content type."""
    header = b64url(json.dumps({"alg": "dir", "enc": "A256GCM", "cty": content_type},
                               separators=(",", ":")).encode())
    iv = os.urandom(12)
    sealed = AESGCM(b64url_decode(key)).encrypt(iv, plaintext, header.encode("ascii"))
    ciphertext, tag = sealed[:-16], sealed[-16:]
    return ".".join([header, "", b64url(iv), b64url(ciphertext), b64url(tag)])


def jwe_decrypt(*, key, token):
    """Decrypt a JWE compact string made by `jwe_encrypt` (or any dir/A256GCM JWE); return (header, plaintext)."""
    header, encrypted_key, iv, ciphertext, tag = token.split(".")
    protected = json.loads(b64url_decode(header))
    if protected.get("alg") != "dir" or protected.get("enc") != "A256GCM" or encrypted_key:
        raise ValueError("not a dir/A256GCM JWE")
    plaintext = AESGCM(b64url_decode(key)).decrypt(b64url_decode(iv), b64url_decode(ciphertext) + b64url_decode(tag),
                                                   header.encode("ascii"))
    return protected, plaintext
