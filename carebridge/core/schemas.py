"""Schemas shared by every router."""

from ninja import Schema


class ErrorOut(Schema):
    """The uniform error body: a stable code, a message in the caller's language, and details."""

    code: str
    message: str
    details: dict = {}
