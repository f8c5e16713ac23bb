"""The HTTP client against the live sandbox: auth methods, typed failures, token caching."""

import socket

import pytest

from jakamo import client as jclient
from jakamo.errors import AuthenticationError, ProtocolError, RejectedError, TransientError
from sandbox import demo
from sandbox.models import AccessToken
from tests.helpers import make_client


@pytest.fixture(autouse=True)
def _fresh_tokens():
    jclient.TOKEN_CACHE.clear()
    yield
    jclient.TOKEN_CACHE.clear()


def test_oauth2_client_credentials_reads_the_queue_and_reuses_its_token(jakamo_url):
    client = make_client(jakamo_url, demo.PO, oauth=True)
    assert client.get_message() is None
    assert client.get_message() is None
    assert AccessToken.objects.count() == 1  # one token for both calls


def test_oauth2_with_a_wrong_secret_is_an_authentication_error(jakamo_url):
    import dataclasses

    client = make_client(jakamo_url, dataclasses.replace(demo.PO, client_secret="nope"), oauth=True)
    with pytest.raises(AuthenticationError) as exc:
        client.get_message()
    assert exc.value.status == 401


def test_an_expired_token_is_refused_like_bad_credentials(jakamo_url):
    from django.utils import timezone

    client = make_client(jakamo_url, demo.PO, oauth=True)
    client.get_message()
    AccessToken.objects.update(expires_at=timezone.now())
    with pytest.raises(AuthenticationError):
        client.get_message()


def test_a_wrong_path_is_a_404_explained(jakamo_url):
    import dataclasses

    client = make_client(jakamo_url, demo.PO)
    client.config = dataclasses.replace(client.config, paths=jclient.Paths(response_queue="/api/nowhere"))
    with pytest.raises(RejectedError) as exc:
        client.get_message()
    assert exc.value.status == 404 and "base URL and endpoint paths" in exc.value.explanation.explanation


def test_nothing_listening_is_transient():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = make_client(f"http://127.0.0.1:{port}", demo.PO)
    with pytest.raises(TransientError, match="Could not connect"):
        client.send_order(b"<Order/>")


def test_a_message_without_an_acknowledge_uri_is_a_protocol_error(live_server):
    # Any page that answers 200 without the header stands in for a broken Jakamo.
    client = make_client(live_server.url, demo.PO)
    client.config = __import__("dataclasses").replace(
        client.config, paths=jclient.Paths(response_queue="/accounts/login/")
    )
    with pytest.raises(ProtocolError, match="X-Acknowledge-Uri"):
        client.get_message()


def test_relative_acknowledge_uris_are_resolved_against_the_base_url():
    config = jclient.ClientConfig("https://demo.thejakamo.com", jclient.BasicAuth("u", "p"))
    assert jclient.JakamoClient(config).url("/api/ack/1") == "https://demo.thejakamo.com/api/ack/1"
    assert jclient.JakamoClient(config).url("https://other/x") == "https://other/x"


def test_credentials_do_not_show_in_reprs():
    config = jclient.ClientConfig("https://x", jclient.BasicAuth("user", "hunter2"))
    oauth = jclient.OAuth2ClientCredentials("https://t", "id", "topsecret", "s")
    assert "hunter2" not in repr(config) and "topsecret" not in repr(oauth)
