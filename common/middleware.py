"""Refuse U+0000 in the address and in form fields, once, before any view sees it.

No text column can hold it (PostgreSQL refuses even to search for it) and no XML message can carry
it, so a ``%00`` in a filter, an API path or a form field read without a Django form ended in a
server error on PostgreSQL and in a silent miss on SQLite. It is never part of a real value."""

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def nul_in(request) -> str | None:
    """Where the request carries U+0000, said for a person, or None."""
    if "\x00" in request.path_info:
        return _("the address")
    # The query string is still percent-encoded: look closer only when it could hold a NUL.
    if "%00" in request.META.get("QUERY_STRING", ""):
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return _("the address's parameter “%(name)s”") % {"name": key.replace("\x00", "%00")}
    # Only form posts: reading request.POST leaves other bodies (XML, JSON) unread for the view.
    if request.method == "POST" and request.content_type in FORM_TYPES:
        for key, values in request.POST.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return _("the form field “%(name)s”") % {"name": key.replace("\x00", "%00")}
    return None


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = nul_in(request)
        if where is not None:
            return HttpResponseBadRequest(
                _(
                    "Refused: %(where)s contains the character U+0000 (NUL), which nothing can be stored or searched with."
                )
                % {"where": where},
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class RefuseBadContentLengthMiddleware:
    """A Content-Length that is no whole number of bytes makes the message unreadable (RFC 9110,
    8.6): refuse it before any view reads the body, where Django's own reading fails with a
    server error. gunicorn refuses it too; the development server and the test client do not."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH", "")
        if declared and not (declared.isascii() and declared.isdigit()):
            return HttpResponseBadRequest(
                _("Refused: the Content-Length header “%(value)s” is not a number of bytes.")
                % {"value": declared[:40]},
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
