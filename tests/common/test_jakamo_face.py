"""Jakamo's HTTP face, served by both back-ends: the simulated Jakamo (/sandbox/jakamo) and the
portal's gateway for ERP clients (/gateway/jakamo). The same requests over real HTTP get the same
answers, byte for byte, from both; only the rules behind them differ."""

from __future__ import annotations

import base64
import http.client
import uuid
from dataclasses import dataclass
from urllib.parse import quote_plus, urlsplit

import pytest
import requests
from django.conf import settings

from common import jakamo_face
from common.jakamo_face import Basic, Bearer, emphasize_field, read_authorization

XML = "application/xml; charset=utf-8"
REFUSED = "<Errors><error>Authentication failed.</error></Errors>"
EMPTY_XML = "<Status>No more messages available</Status>"


@dataclass
class Account:
    username: str
    password: str


@dataclass
class Face:
    """One back-end as an ERP sees it: the base URL and credentials for each API, and a way to
    put a message at the head of the PO queue."""

    name: str
    base_url: str
    po: Account
    asn: Account
    oauth: Account  # an OAuth2 client: client id and secret
    queue: object  # queue(document_type, order_number, body, confirmable)

    def get(self, path: str, auth=None, **kwargs) -> requests.Response:
        return requests.get(f"{self.base_url}{path}", auth=auth or self.po_auth, timeout=10, **kwargs)

    def post(self, path: str, auth=None, **kwargs) -> requests.Response:
        return requests.post(f"{self.base_url}{path}", auth=auth or self.po_auth, timeout=10, **kwargs)

    @property
    def po_auth(self):
        return (self.po.username, self.po.password)


def sandbox_face(live_server, network) -> Face:
    from sandbox import demo
    from sandbox.models import Message

    def queue(document_type, order_number, body, confirmable):
        Message.objects.create(
            integration=network["po"],
            document_type=document_type,
            body=body,
            order_number=order_number,
            confirm_token=uuid.uuid4() if confirmable else None,
        )

    return Face(
        "sandbox",
        f"{live_server.url}/sandbox/jakamo",
        Account(demo.PO.username, demo.PO.password),
        Account(demo.ASN.username, demo.ASN.password),
        Account(demo.PO.client_id, demo.PO.client_secret),
        queue,
    )


def gateway_face(live_server) -> Face:
    from gateway import services
    from gateway.models import GatewayMessage
    from mappings.models import Integration

    po = Integration.objects.create(name="PO", kind="purchase_order")
    asn = Integration.objects.create(name="ASN", kind="asn")
    po_client, po_secret = services.client_create(name="ERP po", integration=po)
    asn_client, asn_secret = services.client_create(name="ERP asn", integration=asn)
    oauth_client, oauth_secret = services.client_create(name="ERP oauth", integration=po, auth_method="oauth2")

    def queue(document_type, order_number, body, confirmable):
        GatewayMessage.objects.create(
            client=po_client,
            document_type=document_type,
            document_key=order_number,
            body=body.encode(),
            ack_token=uuid.uuid4().hex,
            confirm_token=uuid.uuid4().hex if confirmable else "",
        )

    return Face(
        "gateway",
        f"{live_server.url}/gateway/jakamo",
        Account(po_client.username, po_secret),
        Account(asn_client.username, asn_secret),
        Account(oauth_client.username, oauth_secret),
        queue,
    )


@pytest.fixture(params=["sandbox", "gateway"])
def face(request, live_server, network) -> Face:
    return sandbox_face(live_server, network) if request.param == "sandbox" else gateway_face(live_server)


def basic(text: bytes) -> str:
    return "Basic " + base64.b64encode(text).decode()


# -- authentication --------------------------------------------------------------------------------
REFUSED_HEADERS = {
    "none": None,
    "wrong password": "wrong",
    "U+0000 in the username": "nul-user",
    "U+0000 in the password": "nul-password",
    "malformed base64": "Basic not base64!",
    "not UTF-8": basic(b"\xff\xfe:\xfd"),
    "empty Basic": "Basic ",
    "unknown scheme": "Digest username=po",
    "empty Bearer": "Bearer ",
    "unknown Bearer token": "Bearer no-such-token",
}


@pytest.mark.parametrize("header", REFUSED_HEADERS.values(), ids=REFUSED_HEADERS.keys())
@pytest.mark.parametrize("path", ["/api/order/response", "/api/asn", "/api/order"])
def test_refused_credentials_get_jakamos_answer(face, path, header):
    user, password = face.po.username.encode(), face.po.password.encode()
    header = {
        "wrong": basic(user + b":" + password + b"x"),
        "nul-user": basic(user + b"\x00:" + password),
        "nul-password": basic(user + b":" + password + b"\x00"),
    }.get(header, header)
    headers = {"Authorization": header} if header is not None else {}
    method = requests.post if path == "/api/order" else requests.get
    response = method(f"{face.base_url}{path}", headers=headers, data=b"<Order/>", timeout=10)
    assert (response.status_code, response.headers["Content-Type"], response.text) == (400, XML, REFUSED)


def test_credentials_for_another_api_are_refused_on_a_queue(face):
    response = face.get("/api/asn")
    assert (response.status_code, response.text) == (400, REFUSED)
    response = face.get("/api/order/response", auth=(face.asn.username, face.asn.password))
    assert (response.status_code, response.text) == (400, REFUSED)


def test_a_wrong_method_is_405_once_authenticated(face):
    assert face.post("/api/order/response").status_code == 405
    assert face.get("/api/order").status_code == 405
    assert requests.get(f"{face.base_url}/api/order", timeout=10).status_code == 400  # credentials first


def raw_request(face: Face, method: str, path: str, content_length: str) -> tuple[int, str, str]:
    """A request that declares ``content_length`` and sends no body: (status, content type, body)."""
    url = urlsplit(face.base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.putrequest(method, f"{url.path}{path}")
        connection.putheader("Authorization", basic(f"{face.po.username}:{face.po.password}".encode()))
        connection.putheader("Content-Type", "application/xml")
        connection.putheader("Content-Length", content_length)
        connection.endheaders()  # and never the body
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read().decode()
    finally:
        connection.close()


def test_an_oversized_content_length_is_413_before_the_body_is_read(face):
    assert raw_request(face, "POST", "/api/order", str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)) == (
        413,
        XML,
        "<Errors><error>Request body too large.</error></Errors>",
    )


@pytest.mark.parametrize("method,path", [("GET", "/api/order/response"), ("POST", "/api/order")])
@pytest.mark.parametrize("content_length", ["abc", "-1", "1e9", "²"])
def test_a_content_length_that_is_no_number_is_refused_not_a_server_error(face, method, path, content_length):
    status, content_type, body = raw_request(face, method, path, content_length)
    assert status == 400 and "Content-Length" in body, body


# -- the OAuth2 token endpoint --------------------------------------------------------------------------
def test_the_token_endpoint_refuses_a_wrong_grant_type_and_a_wrong_secret(face):
    url = f"{face.base_url}/oauth2/token"
    client = {"client_id": face.oauth.username, "client_secret": face.oauth.password}
    wrong_grant = requests.post(url, data={"grant_type": "password", **client}, timeout=10)
    assert (wrong_grant.status_code, wrong_grant.json()) == (400, {"error": "unsupported_grant_type"})
    missing_grant = requests.post(url, data=client, timeout=10)
    assert (missing_grant.status_code, missing_grant.json()) == (400, {"error": "unsupported_grant_type"})
    for refused in (
        {**client, "client_secret": "wrong"},
        {**client, "client_id": "nobody"},
        {"client_id": face.po.username, "client_secret": face.po.password},  # Basic credentials are no client
    ):
        wrong = requests.post(url, data={"grant_type": "client_credentials", **refused}, timeout=10)
        assert (wrong.status_code, wrong.json()) == (
            401,
            {"error": "invalid_client", "error_description": "Client authentication failed."},
        )
    assert requests.get(url, timeout=10).status_code == 405


def test_the_token_endpoint_takes_http_basic_client_authentication(face):
    """RFC 6749 2.3.1: client id and secret form-urlencoded, then Basic; one way at a time."""
    url = f"{face.base_url}/oauth2/token"
    client_id, secret = (quote_plus(part) for part in (face.oauth.username, face.oauth.password))
    issued = requests.post(url, data={"grant_type": "client_credentials"}, auth=(client_id, secret), timeout=10)
    assert issued.status_code == 200 and issued.json()["token_type"] == "Bearer"
    wrong = requests.post(url, data={"grant_type": "client_credentials"}, auth=(client_id, "wrong"), timeout=10)
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    both = requests.post(
        url,
        data={"grant_type": "client_credentials", "client_id": face.oauth.username, "client_secret": "x"},
        auth=(client_id, secret),
        timeout=10,
    )
    assert (both.status_code, both.json()["error"]) == (400, "invalid_request")


def test_a_token_from_the_token_endpoint_opens_the_queue(face):
    issued = requests.post(
        f"{face.base_url}/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": face.oauth.username,
            "client_secret": face.oauth.password,
        },
        timeout=10,
    )
    token = issued.json()
    assert issued.status_code == 200 and issued.headers["Content-Type"] == "application/json"
    assert (set(token), token["token_type"], token["expires_in"]) == (
        {"access_token", "token_type", "expires_in"},
        "Bearer",
        3600,
    )
    response = requests.get(
        f"{face.base_url}/api/order/response", headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10
    )
    assert (response.status_code, response.text) == (200, EMPTY_XML)


# -- the queues ------------------------------------------------------------------------------------------
def test_an_empty_queue_answers_identically(face):
    response = face.get("/api/order/response")
    assert (response.status_code, response.headers["Content-Type"], response.text) == (200, XML, EMPTY_XML)
    assert "X-Acknowledge-Uri" not in response.headers and "Jakamo-Order-Number" not in response.headers
    asn = face.get("/api/asn", auth=(face.asn.username, face.asn.password))
    assert (asn.status_code, asn.headers["Content-Type"], asn.json()) == (
        200,
        "application/json",
        {"message": "No more messages available"},
    )


def test_a_queued_message_carries_its_headers_until_acknowledged(face):
    body = "<OrderResponse><ID>R-1</ID></OrderResponse>"
    face.queue("OrderResponse", "F-1", body, True)
    response = face.get("/api/order/response")
    assert (response.status_code, response.headers["Content-Type"], response.text) == (200, XML, body)
    assert response.headers["Jakamo-Order-Number"] == "F-1"
    ack, confirm = response.headers["X-Acknowledge-Uri"], response.headers["Jakamo-Confirm-Url"]
    assert ack.startswith(f"{face.base_url}/api/ack/") and confirm.startswith(f"{face.base_url}/api/confirm/")
    assert face.get("/api/order/response").headers["X-Acknowledge-Uri"] == ack  # until acknowledged
    cleared = face.post(ack[len(face.base_url) :])
    assert (cleared.status_code, cleared.headers["Content-Type"], cleared.text) == (
        200,
        XML,
        "<Info>Message cleared from the queue</Info>",
    )
    assert face.post(ack[len(face.base_url) :]).status_code == 200  # clearing twice is harmless
    assert face.get("/api/order/response").text == EMPTY_XML


def test_the_order_number_header_is_sent_only_when_known(face):
    face.queue("StatusMessage", "", "<StatusMessage/>", False)
    response = face.get("/api/order/response")
    assert response.status_code == 200 and "X-Acknowledge-Uri" in response.headers
    assert "Jakamo-Order-Number" not in response.headers and "Jakamo-Confirm-Url" not in response.headers


def test_an_unknown_acknowledge_token_is_not_found(face):
    for token in ("not-a-token", uuid.uuid4().hex):
        response = face.post(f"/api/ack/{token}")
        assert (response.status_code, response.text) == (404, "<Errors><error>Message not found.</error></Errors>")


def test_another_integrations_credentials_cannot_acknowledge_a_message(face):
    face.queue("OrderResponse", "F-2", "<OrderResponse><ID>R-2</ID></OrderResponse>", False)
    ack = face.get("/api/order/response").headers["X-Acknowledge-Uri"][len(face.base_url) :]
    response = face.post(ack, auth=(face.asn.username, face.asn.password))
    assert (response.status_code, response.text) == (404, "<Errors><error>Message not found.</error></Errors>")
    assert face.get("/api/order/response").headers["X-Acknowledge-Uri"].endswith(ack)  # still at the head


def test_a_refusal_answers_with_jakamos_text_first(face):
    response = face.post("/api/confirm/not-a-token", data={"Note": "ok", "EmphasizeOriginalAgreedDetails": "true"})
    assert response.status_code == 400 and response.headers["Content-Type"] == XML
    assert response.text.startswith("<Errors><error>Cannot find order")


def test_a_document_that_cannot_be_read_is_jakamos_generic_500(face):
    response = face.post("/api/order", data=b"<Order><ID>1</Order")
    assert response.status_code == 500 and response.text.startswith("<Errors><error>An error has occurred.</error>")


# -- the readers ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "credentials"),
    [
        (basic(b"po:secret"), Basic("po", "secret")),
        ("basic " + base64.b64encode(b"po:se:cret").decode(), Basic("po", "se:cret")),
        (basic(b"po"), Basic("po", "")),
        ("Bearer abc ", Bearer("abc")),
        ("BEARER abc", Bearer("abc")),
        (basic(b"po\x00:secret"), None),
        ("Basic not base64!", None),
        ("Bearer", None),
        ("Bearer  ", None),
        ("Token abc", None),
        ("", None),
        (None, None),
    ],
)
def test_the_authorization_header_reader(header, credentials):
    assert read_authorization(header) == credentials


@pytest.mark.parametrize(
    ("value", "emphasize"),
    [
        (None, None),
        ("", None),
        ("true", True),
        ("True", True),
        ("1", True),
        ("on", True),
        ("yes", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("anything", False),
    ],
)
def test_emphasize_original_agreed_details_is_read_once(value, emphasize):
    assert emphasize_field(value) is emphasize


def test_both_back_ends_route_every_endpoint_under_todays_names():
    from django.urls import reverse

    for namespace, prefix, names in (
        ("sandbox", "/sandbox/jakamo", {"order": "api_order", "response_queue": "api_response_queue"}),
        ("gateway_api", "/gateway/jakamo", {}),
    ):
        assert reverse(f"{namespace}:{names.get('order', 'order')}") == f"{prefix}/api/order"
        assert reverse(f"{namespace}:{names.get('response_queue', 'response_queue')}") == f"{prefix}/api/order/response"
        assert reverse(f"{namespace}:token") == f"{prefix}/oauth2/token"
        assert reverse(f"{namespace}:ack", args=["t"]) == f"{prefix}/api/ack/t"


def test_an_unknown_endpoint_name_is_refused():
    with pytest.raises(ValueError, match="no such Jakamo endpoint: acknowledge"):
        jakamo_face.urlpatterns(jakamo_face.Backend(), names={"acknowledge": "ack"})
