"""Steps the browser tests share, each named as what the person does."""

import re
import time
from pathlib import Path

from django.core import mail
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from carebridge.accounts import demo

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"

def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]


def sign_in(page: Page, live_server, *, email: str, password: str = demo.DEMO_PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def current_totp_code(key_hex: str = demo.DEMO_TOTP_KEY) -> str:
    return f"{totp(bytes.fromhex(key_hex)):06d}"


def give_second_factor(page: Page, code: str) -> None:
    page.locator("#id_token").fill(code)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def choose_language(page: Page, code: str) -> None:
    """Pick a language in the header's switcher; the page reloads in it (app.js submits the form)."""
    with page.expect_navigation():
        page.locator("#language-select").select_option(code)
    expect(page.locator("html")).to_have_attribute("lang", code)


def wait_for_mail(to: str, timeout: float = 10.0):
    """Return the newest e-mail sent to an address (the live server sends it after its request commits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = [m for m in mail.outbox if to in m.to]
        if sent:
            return sent[-1]
        time.sleep(0.1)
    raise AssertionError(f"no e-mail to {to} within {timeout} s; outbox: {[(m.to, m.subject) for m in mail.outbox]}")


def serious_accessibility_violations(page: Page) -> list[dict]:
    """Run axe-core on the page; return the violations of impact serious or critical."""
    assert AXE_JS.exists(), f"{AXE_JS} is missing: run scripts/e2e.sh, which installs axe-core with npm"
    page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate("async () => await axe.run()")
    return [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:5]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node.get('failureSummary', '').strip()}")
    return "\n".join(lines)
