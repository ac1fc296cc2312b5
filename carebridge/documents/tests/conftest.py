"""Fixtures of the document tests: a test template, media in a temporary folder, a requested document."""

import uuid

import pytest
from django.core.cache import cache

from carebridge.documents.services import document_request
from carebridge.documents.tests.support import TEMPLATES_DIR, sample_context


@pytest.fixture(autouse=True)
def documents_settings(settings, tmp_path):
    """Store files in a temporary folder, find the test template, and start each test with no throttle counts."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES_DIR]}]
    cache.clear()
    yield settings
    cache.clear()


@pytest.fixture
def hospital(haikou):
    haikou.name_local = "海口国际医院"
    haikou.save()
    return haikou


@pytest.fixture
def request_document(hospital, coordinator):
    """Request a sample document for zh and a second language; return it (the job runs after commit)."""

    def request(second="en", *, template="documents_tests/sample.html", context=None, **kwargs):
        return document_request(
            kind="test_summary", title="Test summary", issuer=hospital, patient_public_id=uuid.uuid4(),
            template=template, context=context if context is not None else sample_context(second),
            languages=["zh-hans", second], issued_by=coordinator, **kwargs,
        )

    return request
