"""Pages that update themselves: a region wrapped in ``{% live %}…{% endlive %}`` (common/templatetags/live.py)
asks for its own address again every few seconds with htmx and is swapped only when what it shows
has changed.

The region carries a version, a hash of its own HTML. A poll sends it back (``X-Live-Version``); the
page is rendered as for anyone, and ``LiveMiddleware`` answers 204 (htmx then swaps nothing) when the
region's version is still the same, so a page does not flicker, a screen reader is not told of a
change that is none, and nothing is replaced under a person's hands. ``static/js/live.js`` stops the
polling while someone is typing in, or has changed, a form on the page."""

from __future__ import annotations

import hashlib
import re

from django.http import HttpResponse

VERSION_HEADER = "X-Live-Version"
POLL_SECONDS = 5

# A form's CSRF token is masked afresh on every render: left in, every poll would look like a change.
_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def version(html: str) -> str:
    """The version of a region: what a person would see, without the per-render CSRF masks."""
    return hashlib.sha256(_CSRF.sub(b"", html.encode())).hexdigest()[:20]


def unchanged(request) -> bool:
    """A poll whose page rendered a region of the version the browser already shows."""
    rendered = getattr(request, "live_version", None)
    return (
        bool(rendered)
        and request.headers.get("HX-Request") == "true"
        and request.headers.get(VERSION_HEADER) == rendered
    )


class LiveMiddleware:
    """204 for a poll that would bring the same region again (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "GET" and response.status_code == 200 and unchanged(request):
            return HttpResponse(status=204)
        return response
