"""Every link a person is shown is one they may open: for each role, on make demo's data, crawl
from the home page following every same-site link the pages show, and none answers 403, 404 or
500 (nor sends the person back to sign in). Bounded: each path with at most a few of its query
strings, and so many pages a role."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from exchange import inbox
from mappings.models import Integration

pytestmark = pytest.mark.django_db(transaction=True)

MAX_PAGES = 400  # a role; the admin's Django admin alone links to every object
MAX_VARIANTS = 3  # query strings (filters, pages, sorting) followed for one path
SKIP = ("/accounts/logout/", "/language/", "/admin/logout/")  # POST-only, and they end the crawl's session or language


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def links_on(url: str, html: str, site: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        if href.startswith(("mailto:", "tel:", "javascript:", "#")):
            continue
        absolute = urldefrag(urljoin(site + url, href)).url
        parts = urlsplit(absolute)
        if f"{parts.scheme}://{parts.netloc}" != site:
            continue  # another site (Jakamo's own pages, documentation)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith(SKIP):
            found.append(path)
    return found


def crawl(client: Client, site: str) -> tuple[dict[str, int], list[str]]:
    seen: dict[str, int] = {}
    variants: dict[str, int] = {}
    problems: list[str] = []
    queue = deque([("/", "start")])
    while queue and len(seen) < MAX_PAGES:
        url, shown_on = queue.popleft()
        path = urlsplit(url).path
        if url in seen or variants.get(path, 0) >= MAX_VARIANTS:
            continue
        variants[path] = variants.get(path, 0) + 1
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code in (301, 302, 303, 307, 308):
            target = response["Location"]
            if "/accounts/login/" in target:
                problems.append(f"{url} (shown on {shown_on}) sends the person to sign in")
            else:
                queue.append((urlsplit(urljoin(site + url, target)).path, url))
            continue
        if response.status_code >= 400:
            problems.append(f"{url} (shown on {shown_on}) answers {response.status_code}")
            continue
        if "text/html" in response.get("Content-Type", ""):
            for link in links_on(url, response.content.decode(), site):
                if link not in seen:
                    queue.append((link, url))
    return seen, problems


@pytest.fixture
def demo(live_server):
    call_command("demo_setup", base_url=f"{live_server.url}/sandbox/jakamo", stdout=__import__("io").StringIO())
    for integration in Integration.objects.exclude(kind="shiphero"):
        inbox.sync(integration.pk)


@pytest.mark.parametrize("username", ["purchaser", "seller", "integrator", "support", "admin"])
def test_every_link_a_role_is_shown_opens_for_it(demo, username):
    client = Client(raise_request_exception=False, HTTP_HOST="testserver")
    client.force_login(User.objects.get(username=username))
    seen, problems = crawl(client, "http://testserver")
    assert problems == []
    assert len(seen) > 10, seen  # the crawl reached beyond the home page
    opened = {urlsplit(u).path.split("/")[1] for u, status in seen.items() if status == 200}
    expected = {
        "purchaser": {"orders", "shipments"},
        "seller": {"orders"},
        "integrator": {"integrations", "messages"},
        "support": {"orders", "messages"},
        "admin": {"orders", "messages", "admin", "sandbox"},
    }[username]
    assert expected <= opened, opened
