"""Passport numbers are encrypted at rest, searchable by keyed hash, and survive a key rotation."""

import pytest
from django.core.management import call_command
from django.db import connection

from carebridge.patients.models import IdentityDocument
from carebridge.patients.selectors import patient_search
from carebridge.patients.tests.factories import registered_child

pytestmark = pytest.mark.django_db


def test_the_passport_number_is_not_stored_in_clear(guardian, haikou):
    registered_child(guardian=guardian, hospital=haikou)

    with connection.cursor() as cursor:
        cursor.execute("SELECT number_encrypted, number_hash FROM patients_identitydocument")
        encrypted, digest = cursor.fetchone()
    assert "E12345678" not in encrypted and "E12345678" not in digest


def test_after_rotating_keys_numbers_decrypt_and_search_still_finds_them(guardian, haikou, settings):
    child = registered_child(guardian=guardian, hospital=haikou)
    before = IdentityDocument.objects.get().number_encrypted
    settings.FIELD_ENCRYPTION_KEYS = ["a-brand-new-key-2027", *settings.FIELD_ENCRYPTION_KEYS]

    call_command("keys_rotate")

    document = IdentityDocument.objects.get()
    assert document.number_encrypted != before
    assert document.number == "E12345678"
    settings.FIELD_ENCRYPTION_KEYS = ["a-brand-new-key-2027"]  # the old key is gone
    assert IdentityDocument.objects.get().number == "E12345678"
    assert [p.pk for p in patient_search(hospital=haikou, query="E12345678")] == [child.pk]
