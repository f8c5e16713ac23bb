"""Pages that update themselves: a region wrapped in ``{% live %}…{% endlive %}`` (common/templatetags/live.py)
asks for its own address again every few seconds with htmx and is swapped only when what it shows
has changed; ``static/js/live.js`` stops the polling while someone is filling in a form on the page.

Two checks, the cheap one first:

- the *stamp*: the newest row of each table that records something arriving or changing (each app
  names its tables with ``watch`` in its ``AppConfig.ready()``), read in one query when a signed-in
  person's GET starts. A poll whose page was rendered at the same stamp is answered 204 before any
  view runs: nothing anywhere has changed since.
- the *version*: a hash of the region's own HTML. When something changed somewhere, the page is
  rendered as for anyone, and a region of the same version is still a 204 (with the new stamp, which
  the browser keeps for its next poll): the page does not flicker, a screen reader is not told of a
  change that is none, and nothing is replaced under a person's hands.

The stamp is read before the view reads its data, so a change committed while the page renders
makes the next poll render again rather than be missed."""

from __future__ import annotations

import hashlib
import re

from django.db import connection
from django.http import HttpResponse

VERSION_HEADER = "X-Live-Version"
STAMP_HEADER = "X-Live-Stamp"
POLL_SECONDS = 5

# Models whose newest row moves when something arrives or changes; filled by ``watch``.
WATCHED: list = []

# A form's CSRF token is masked afresh on every render: left in, every poll would look like a change.
_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def watch(*models) -> None:
    """Count a new row of each of ``models`` as a change for every live page."""
    WATCHED.extend(m for m in models if m not in WATCHED)


def stamp() -> str:
    """The newest id of every watched table, in one query (each a primary-key index lookup)."""
    if not WATCHED:
        return ""
    quote = connection.ops.quote_name
    parts = ", ".join(f"(SELECT MAX({quote(m._meta.pk.column)}) FROM {quote(m._meta.db_table)})" for m in WATCHED)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")
        row = cursor.fetchone()
    return "-".join(str(v or 0) for v in row)


def version(html: str) -> str:
    """The version of a region: what a person would see, without the per-render CSRF masks."""
    return hashlib.sha256(_CSRF.sub(b"", html.encode())).hexdigest()[:20]


def _is_poll(request) -> bool:
    return request.method == "GET" and request.headers.get("HX-Request") == "true" and VERSION_HEADER in request.headers


class LiveMiddleware:
    """204 for a poll that would bring the same region again (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET" and request.user.is_authenticated:
            request.live_stamp = stamp()
            if _is_poll(request) and request.live_stamp and request.headers.get(STAMP_HEADER) == request.live_stamp:
                return HttpResponse(status=204)
        response = self.get_response(request)
        if _is_poll(request) and hasattr(request, "_messages"):
            # A poll swaps only the region: a flash message its page listed was never seen, so it
            # stays for the page the person opens next.
            request._messages.used = False
        rendered = getattr(request, "live_version", None)
        if (
            _is_poll(request)
            and response.status_code == 200
            and rendered
            and request.headers.get(VERSION_HEADER) == rendered
        ):
            unchanged = HttpResponse(status=204)
            unchanged[STAMP_HEADER] = getattr(request, "live_stamp", "")
            return unchanged
        return response
