"""Verification codes: 10 random Crockford base32 symbols (50 bits), shown grouped as K7QX-9M2P-4D."""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O or U
LENGTH = 10
# What people mistype or read differently; Crockford's decoding rules.
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def code_format(symbols):
    """Group 10 symbols as XXXX-XXXX-XX."""
    return f"{symbols[:4]}-{symbols[4:8]}-{symbols[8:]}"


def code_generate():
    """Return a new random verification code in its printed form."""
    return code_format("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def code_normalise(text):
    """Return the printed form of a typed code (any case, spaces or dashes, O for 0), or None if it cannot be one."""
    symbols = "".join(ch for ch in (text or "").upper() if ch not in " -_.\t").translate(_LOOK_ALIKES)
    if len(symbols) != LENGTH or any(ch not in ALPHABET for ch in symbols):
        return None
    return code_format(symbols)
