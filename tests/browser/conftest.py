"""Browser tests drive Debian's Chromium through Playwright (no browser download is possible
here). .ci/run installs Chromium; without it these tests skip, saying why."""

import io
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Playwright's sync API runs an event loop in this thread; the Django ORM calls in these tests
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium); .ci/run installs it")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def demo_data(live_server):
    """What `make demo` loads (demo_setup), in the live server's database, with the queues synced
    so the supplier's confirmations, deliveries and the seller's orders are in."""
    from django.core.management import call_command

    from exchange import inbox
    from mappings.models import Integration

    call_command("demo_setup", base_url=f"{live_server.url}/sandbox/jakamo", stdout=io.StringIO())
    for integration in Integration.objects.exclude(kind="shiphero"):
        inbox.sync(integration.pk)
    return live_server.url


@pytest.fixture
def sign_in_as():
    """Sign a demo person in (demo_setup's password)."""

    def sign_in(page, url: str, username: str, password: str = "demo-pass-2026") -> None:
        page.goto(f"{url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_selector("header.top")

    return sign_in
