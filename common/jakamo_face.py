"""Jakamo's HTTP face: the paths and methods of its PO, SO and ASN APIs, client authentication
(Basic, or a Bearer token from the OAuth2 token endpoint), and every answer's status, headers and
body, word for word. Two back-ends serve it: the simulated Jakamo (``sandbox``) and the portal's
gateway for ERP clients (``gateway``). Each implements the rules as a ``Backend``; this module holds
only the transport, so the two cannot drift apart.

One request to an API path goes: ``Backend.admit`` (may hide the API: 404) → the Authorization
header read here → ``Backend.authenticate`` → ``Backend.around`` (the back-end's own hooks around
the rest: faults, history) → the body-size limit (413) → the method (405) → the operation, whose
refusals ``Backend.refusal`` turns into Jakamo's ``<Errors>`` answer."""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus
from xml.sax.saxutils import escape

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from common.params import too_large
from jakamo.client import EMPTY_QUEUE_TEXT
from jakamo.reasons import ASN, PO, SO

AUTHENTICATION_FAILED = "Authentication failed."
SERVER_ERROR = "An error has occurred."
TOO_LARGE = "Request body too large."
NOT_FOUND = "Message not found."
CLEARED = "<Info>Message cleared from the queue</Info>"
CONFIRMED = "<Info>Order confirmed</Info>"
POSTED = "<Info>Message is successfully posted</Info>"
TRUE_WORDS = ("true", "1", "on", "yes")


# -- credentials ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Basic:
    username: str
    password: str


@dataclass(frozen=True)
class Bearer:
    token: str


Credentials = Basic | Bearer


def basic_credentials(value: str) -> Basic | None:
    """The credentials in the part of an ``Authorization: Basic …`` header after the scheme, or None
    when it is no base64, no UTF-8, or carries U+0000: no account's name holds that character, and
    PostgreSQL refuses even to look one up with it (a 500 where Jakamo answers "Authentication
    failed.")."""
    try:
        text = base64.b64decode(value.strip()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if "\x00" in text:
        return None
    username, _, password = text.partition(":")
    return Basic(username, password)


def read_authorization(header: str | None) -> Credentials | None:
    """An Authorization header as Basic credentials or a Bearer token; None for anything else (no
    header, another scheme, an empty token, broken Basic credentials)."""
    scheme, _, value = (header or "").partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme == "basic":
        return basic_credentials(value)
    if scheme == "bearer" and value:
        return Bearer(value)
    return None


def token_client(request) -> tuple[str, str] | None:
    """The client id and secret a token request authenticates with: HTTP Basic, each part
    form-urlencoded first (RFC 6749 2.3.1, which every authorization server must support), or the
    form's client_id and client_secret (Jakamo's connector). None when both ways are used, which
    the RFC forbids; broken Basic credentials are an unknown client."""
    header = request.headers.get("Authorization")
    form = request.POST.get("client_id", ""), request.POST.get("client_secret", "")
    if not header:
        return form
    if any(form):
        return None
    credentials = read_authorization(header)
    if not isinstance(credentials, Basic):
        return "", ""
    return unquote_plus(credentials.username), unquote_plus(credentials.password)


def emphasize_field(value: str | None) -> bool | None:
    """The simple confirmation's EmphasizeOriginalAgreedDetails: None when not given (missing or
    empty), else True for true/1/on/yes (any case) and False for anything else."""
    if not value:
        return None
    return value.lower() in TRUE_WORDS


# -- answers -----------------------------------------------------------------------------------------
def xml(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="application/xml; charset=utf-8")


def errors(*texts: str, status: int = 400) -> HttpResponse:
    """Jakamo's error answer: each text (XML-escaped) as one ``<error>`` line of ``<Errors>``; its
    C# client reads the first."""
    lines = "".join(f"<error>{escape(text)}</error>" for text in texts)
    return xml(f"<Errors>{lines}</Errors>", status)


def server_error() -> HttpResponse:
    """Jakamo's generic 500, also its answer to a document it cannot read (PO document 4)."""
    return errors(SERVER_ERROR, status=500)


def carrying(response: HttpResponse, document_type: str, document_key: str) -> HttpResponse:
    """Note on the answer which document it carried or took in, for a back-end's history."""
    response.document_type, response.document_key = document_type, document_key
    return response


@dataclass(frozen=True)
class Queued:
    """The head of a queue as a back-end gives it: the body and what its headers need."""

    body: bytes | str
    content_type: str  # without the charset
    ack_token: str
    confirm_token: str = ""  # "": no Jakamo-Confirm-Url
    order_number: str = ""  # "": no Jakamo-Order-Number (the back-end does not know it)
    document_type: str = ""  # for the back-end's history
    document_key: str = ""


# -- the back-end ------------------------------------------------------------------------------------
class Backend:
    """The rules behind the face. ``principal`` is whatever ``authenticate`` returns (an integration,
    an ERP client); the face only hands it back. Operations raise the back-end's own refusals,
    which ``refusal`` turns into answers."""

    def admit(self, request: HttpRequest) -> None:
        """Before anything else, on every path including the token endpoint: raise Http404 to hide the API."""

    def around(self, request: HttpRequest, principal: Any | None, answer: Callable[[], HttpResponse]) -> HttpResponse:
        """Wraps everything after authentication, a refused one included (``principal`` None):
        call ``answer()`` for the face's answer, or answer otherwise."""
        return answer()

    def refusal(self, exc: Exception) -> HttpResponse | None:
        """The answer for an exception an operation raised, or None to let it through (a 500)."""
        return None

    def authenticate(self, credentials: Credentials) -> Any | None:
        raise NotImplementedError

    def issue_token(self, client_id: str, client_secret: str) -> tuple[str, int] | None:
        """(access token, lifetime in seconds), or None for unknown credentials."""
        raise NotImplementedError

    def refuse_scope(self, scope: str) -> str | None:
        """Why the token endpoint will not grant ``scope`` (its ``error_description``), or None to grant it."""
        return None

    def mapped_companies(self, principal) -> list[dict[str, str]]:
        """GET /api/mappedcompanies: the credentials' company mappings as ``CompanyName`` and
        ``MappedId``. A back-end without them hides the path."""
        raise Http404("No mapped companies here.")

    def api(self, principal) -> str:
        """Which API the credentials are for: ``jakamo.reasons.PO``, ``SO`` or ``ASN``."""
        raise NotImplementedError

    def next_message(self, principal) -> Queued | None:
        raise NotImplementedError

    def acknowledge(self, principal, token: str) -> bool:
        """Clear a message; False when the token is not known for these credentials."""
        raise NotImplementedError

    def confirm(self, principal, token: str, *, note: str, emphasize: bool | None) -> None:
        raise NotImplementedError

    def order(self, principal, body: bytes) -> str:
        """POST /api/order (Order, OrderChange); returns the order number."""
        raise NotImplementedError

    def order_status(self, principal, order_id: str, body: bytes) -> None:
        """PUT /api/order/{order_id} (StatusMessage)."""
        raise NotImplementedError

    def order_response(self, principal, body: bytes) -> str:
        """POST /api/orderresponse; returns the order number."""
        raise NotImplementedError


# -- the endpoints -----------------------------------------------------------------------------------
class _Face:
    """One back-end's endpoints, under its URL names."""

    def __init__(self, backend: Backend, names: Mapping[str, str]):
        self.backend, self.names = backend, names

    def url(self, request, endpoint: str, token) -> str:
        name, namespace = self.names[endpoint], request.resolver_match.namespace
        return request.build_absolute_uri(reverse(f"{namespace}:{name}" if namespace else name, args=[str(token)]))

    def queue(self, request, principal, apis: tuple[str, ...]) -> HttpResponse:
        api = self.backend.api(principal)
        if api not in apis:
            return errors(AUTHENTICATION_FAILED)
        message = self.backend.next_message(principal)
        if message is None:
            if api == ASN:
                return JsonResponse({"message": EMPTY_QUEUE_TEXT})
            return xml(f"<Status>{EMPTY_QUEUE_TEXT}</Status>")
        response = HttpResponse(message.body, content_type=f"{message.content_type}; charset=utf-8")
        response["X-Acknowledge-Uri"] = self.url(request, "ack", message.ack_token)
        if message.confirm_token:
            response["Jakamo-Confirm-Url"] = self.url(request, "confirm", message.confirm_token)
        if message.order_number:
            response["Jakamo-Order-Number"] = message.order_number
        return carrying(response, message.document_type, message.document_key)

    def response_queue(self, request, principal):
        """GET /api/order/response: the PO queue, or the SO queue for SO credentials."""
        return self.queue(request, principal, (PO, SO))

    def asn_queue(self, request, principal):
        """GET /api/asn: the ASN queue (JSON)."""
        return self.queue(request, principal, (ASN,))

    def mapped_companies(self, request, principal):
        """GET /api/mappedcompanies ("Mapped companies"): a JSON list, whichever API the credentials are for."""
        return JsonResponse(self.backend.mapped_companies(principal), safe=False)

    def ack(self, request, principal, token):
        if not self.backend.acknowledge(principal, token):
            return errors(NOT_FOUND, status=404)
        return xml(CLEARED)

    def confirm(self, request, principal, token):
        emphasize = emphasize_field(request.POST.get("EmphasizeOriginalAgreedDetails"))
        self.backend.confirm(principal, token, note=request.POST.get("Note", ""), emphasize=emphasize)
        return xml(CONFIRMED)

    def order(self, request, principal):
        return carrying(xml(POSTED), "Order", self.backend.order(principal, request.body))

    def order_status(self, request, principal, order_id):
        self.backend.order_status(principal, order_id, request.body)
        return carrying(xml(POSTED), "StatusMessage", order_id)

    def order_response(self, request, principal):
        return carrying(xml(POSTED), "OrderResponse", self.backend.order_response(principal, request.body))

    def api_view(self, endpoint: str, methods: list[str]):
        """An API path's view: the steps in the module's docstring around the endpoint."""
        backend, allowed = self.backend, require_http_methods(methods)(getattr(self, endpoint))

        @csrf_exempt
        @login_not_required
        @functools.wraps(getattr(self, endpoint))
        def view(request, **kwargs):
            backend.admit(request)
            credentials = read_authorization(request.headers.get("Authorization"))
            principal = backend.authenticate(credentials) if credentials is not None else None

            def answer() -> HttpResponse:
                if principal is None:
                    return errors(AUTHENTICATION_FAILED)
                if too_large(request):
                    return errors(TOO_LARGE, status=413)
                try:
                    return allowed(request, principal, **kwargs)
                except Exception as exc:
                    refused = backend.refusal(exc)
                    if refused is None:
                        raise
                    return refused

            return backend.around(request, principal, answer)

        return view

    def token_view(self):
        backend = self.backend

        @csrf_exempt
        @login_not_required
        @require_http_methods(["POST"])
        def token(request):
            """OAuth2 client-credentials token endpoint, answering like Jakamo's (Azure AD v2 style)."""
            backend.admit(request)
            if request.POST.get("grant_type") != "client_credentials":
                return JsonResponse({"error": "unsupported_grant_type"}, status=400)
            client = token_client(request)
            if client is None:
                return JsonResponse(
                    {
                        "error": "invalid_request",
                        "error_description": "Authenticate the client one way: HTTP Basic or the form fields.",
                    },
                    status=400,
                )
            refused = backend.refuse_scope(request.POST.get("scope", ""))
            if refused:
                return JsonResponse({"error": "invalid_scope", "error_description": refused}, status=400)
            issued = backend.issue_token(*client)
            if issued is None:
                return JsonResponse(
                    {"error": "invalid_client", "error_description": "Client authentication failed."}, status=401
                )
            access_token, lifetime = issued
            return JsonResponse({"access_token": access_token, "token_type": "Bearer", "expires_in": lifetime})

        return token


# Jakamo's paths (in resolving order: the queue before an order id), their endpoints and methods.
ROUTES = [
    ("api/order", "order", ["POST"]),
    ("api/order/response", "response_queue", ["GET"]),
    ("api/order/<path:order_id>", "order_status", ["PUT"]),
    ("api/orderresponse", "order_response", ["POST"]),
    ("api/asn", "asn_queue", ["GET"]),
    ("api/mappedcompanies", "mapped_companies", ["GET"]),
    ("api/ack/<str:token>", "ack", ["POST"]),
    ("api/confirm/<str:token>", "confirm", ["POST"]),
]
TOKEN_ROUTE = "oauth2/token"
ENDPOINTS = [endpoint for _, endpoint, _ in ROUTES] + ["token"]


def urlpatterns(backend: Backend, *, prefix: str = "", names: Mapping[str, str] | None = None) -> list[URLPattern]:
    """The URL patterns of Jakamo's API served by ``backend``, to include or splice into a URLconf:
    ``prefix`` goes before ``api/…`` and ``oauth2/token``. Each pattern is named after its endpoint
    (``ENDPOINTS``: order, response_queue, order_status, order_response, asn_queue, mapped_companies,
    ack, confirm, token) unless ``names`` renames it."""
    unknown = set(names or {}) - set(ENDPOINTS)
    if unknown:
        raise ValueError(f"no such Jakamo endpoint: {', '.join(sorted(unknown))}")
    names = {endpoint: endpoint for endpoint in ENDPOINTS} | dict(names or {})
    face = _Face(backend, names)
    patterns = [
        path(prefix + route, face.api_view(endpoint, methods), name=names[endpoint])
        for route, endpoint, methods in ROUTES
    ]
    patterns.append(path(prefix + TOKEN_ROUTE, face.token_view(), name=names["token"]))
    return patterns
