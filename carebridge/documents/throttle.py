"""A per-address limit on public verification lookups, so codes cannot be guessed in bulk."""

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 600


def verification_allowed(request):
    """Count one lookup from the request's address; tell whether it is within the limit."""
    limit = getattr(settings, "DOCUMENTS_VERIFY_LIMIT", 60)  # lookups per address per window
    key = f"documents:verify:{request.META.get('REMOTE_ADDR') or 'unknown'}"
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        count = 1
    return count <= limit
