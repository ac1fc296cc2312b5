#!/usr/bin/env python
"""Page weight on a slow phone network: bytes transferred and largest contentful paint of the main patient pages.

    .venv/bin/python bench/page_weight.py

Loads the demo (manage.py demo_load) into a temporary SQLite database, serves it with runserver, signs in as
the demo guardian (Oyunaa, whose son has a record) in Debian's Chromium through Playwright, and loads each page
with the cache disabled over an emulated roaming link (Chrome DevTools Network.emulateNetworkConditions:
150 ms latency, 1.6 Mbit/s down, 750 kbit/s up). Bytes are the sum of encodedDataLength over the page's
requests (Network.loadingFinished); LCP is the last 'largest-contentful-paint' entry. Prints, per page:

    BENCH page_weight_<page>_kb <n> KB
    BENCH page_lcp_<page>_ms <n> ms
    BUDGET page_<page> weight <n>/150 KB ok|OVER, lcp <n>/2500 ms ok|OVER

tests/e2e/test_page_weight.py measures the same pages with the same code and asserts the byte budget.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ comes first on sys.path, where a module named like a package (fhir) would hide it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
WEIGHT_BUDGET_KB = 150
LCP_BUDGET_MS = 2500
# Chrome DevTools throughput is in bytes per second: 1.6 Mbit/s down, 750 kbit/s up.
ROAMING = {"offline": False, "latency": 150, "downloadThroughput": 200_000, "uploadThroughput": 93_750}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
GUARDIAN = "oyunaa@patient.demo"

LCP_SCRIPT = """() => new Promise((resolve) => {
  let last = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) last = entry.startTime;
  }).observe({type: 'largest-contentful-paint', buffered: true});
  setTimeout(() => resolve(last), 300);
})"""


def patient_pages():
    """The main pages a patient's family opens, as (name, path); needs Django set up on the demo's database."""
    from django.contrib.auth import get_user_model

    from carebridge.catalog.models import Service
    from carebridge.patients.models import Guardianship

    guardian = get_user_model().objects.get(email=GUARDIAN)
    child = Guardianship.objects.filter(guardian=guardian).select_related("patient").first().patient
    service = Service.objects.filter(is_active=True).order_by("pk").first()
    return [
        ("home", "/"),
        ("portal", "/portal/"),
        ("records", "/portal/reports/"),
        ("account", "/billing/account/"),
        ("booking", f"/book/{service.public_id}/"),
        ("ips_summary", f"/summary/{child.public_id}/"),
        ("share_links", "/portal/shares/"),
    ]


def sign_in(page, base_url, email=GUARDIAN):
    from carebridge.accounts.demo import DEMO_PASSWORD

    page.goto(f"{base_url}/accounts/sign-in/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def measure(page, url):
    """Load `url` over the emulated roaming link with no cache; return (bytes transferred, LCP in ms, status)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", ROAMING)
    received = []
    cdp.on("Network.loadingFinished", lambda event: received.append(event["encodedDataLength"]))
    response = page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    lcp = page.evaluate(LCP_SCRIPT)
    cdp.send("Network.emulateNetworkConditions", {**ROAMING, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    cdp.detach()
    return int(sum(received)), float(lcp), response.status if response else None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main():
    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="carebridge-page-weight."))
    env = {**os.environ, "CAREBRIDGE_ENV": "test", "SQLITE_PATH": str(workdir / "demo.sqlite3"),
           "MEDIA_ROOT": str(workdir / "media"), "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([sys.executable, "scripts/messages.py", "compile"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "demo_load"], cwd=ROOT, env=env, check=True, capture_output=True)
    os.environ.update({k: env[k] for k in ("CAREBRIDGE_ENV", "SQLITE_PATH", "MEDIA_ROOT", "DJANGO_SETTINGS_MODULE")})
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    pages = patient_pages()

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([*manage, "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("page_weight: the server did not start") from None
                time.sleep(0.2)
        over = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_context(locale="en-GB").new_page()
            sign_in(page, base_url)
            for name, path in pages:
                size, lcp, status = measure(page, base_url + path)
                if status != 200:
                    raise SystemExit(f"page_weight: {path} answered {status}")
                kb = size / 1024
                print(f"BENCH page_weight_{name}_kb {kb:.1f} KB")
                print(f"BENCH page_lcp_{name}_ms {lcp:.0f} ms")
                weight_ok, lcp_ok = kb <= WEIGHT_BUDGET_KB, lcp <= LCP_BUDGET_MS
                print(f"BUDGET page_{name} weight {kb:.1f}/{WEIGHT_BUDGET_KB} KB {'ok' if weight_ok else 'OVER'}, "
                      f"lcp {lcp:.0f}/{LCP_BUDGET_MS} ms {'ok' if lcp_ok else 'OVER'}")
                if not weight_ok:
                    over.append(name)
            browser.close()
        if over:
            raise SystemExit(f"page_weight: over the {WEIGHT_BUDGET_KB} KB budget: {', '.join(over)}")
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
