"""Browser tests: Debian's Chromium driven by Playwright against Django's live server (SQLite in memory).

Run them with `scripts/e2e.sh` (or `make test-e2e`), which installs Chromium and axe-core first.
"""

import io
import os

import pytest
from django.core.management import call_command
from playwright.sync_api import Page

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run beside one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (never a downloaded browser), headless unless --headed is given."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": browser_type_launch_args.get("headless", True),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Browse as an English-speaking visitor unless a test says otherwise."""
    return {**browser_context_args, "locale": "en-GB"}


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def demo_cast(transactional_db):
    """Load the demo hospitals and accounts into the test database (staff have the demo TOTP key)."""
    call_command("demo_load", stdout=io.StringIO())
