"""Public ids: UUIDs in URLs, schemas and FHIR."""

import uuid


def is_uuid(value):
    """Tell whether a value is a well-formed UUID (so a malformed id is 'not found', never an error)."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
