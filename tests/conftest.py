"""Shared actors: the sandbox switched on, the demo network at the simulated Jakamo, a live HTTP
server to talk to it, and portal users for every role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from common import roles
from jakamo.client import BasicAuth, ClientConfig, JakamoClient, OAuth2ClientCredentials


@pytest.fixture(autouse=True)
def _empty_cache():
    # Dashboard figures are cached; one test's must never show up in the next.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _sandbox_on(settings):
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_HANG_SECONDS = 0.8
    # Hashing each test user's password with PBKDF2 costs a third of a second on these machines.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def network(db):
    from sandbox import demo

    return demo.setup_network()


@pytest.fixture
def jakamo_url(live_server, network) -> str:
    return f"{live_server.url}/sandbox/jakamo"


def make_client(base_url: str, creds, *, oauth: bool = False, read_timeout: float = 5.0) -> JakamoClient:
    if oauth:
        auth = OAuth2ClientCredentials(
            f"{base_url}/oauth2/token", creds.client_id, creds.client_secret, "sandbox/.default"
        )
    else:
        auth = BasicAuth(creds.username, creds.password)
    return JakamoClient(ClientConfig(base_url=base_url, auth=auth, connect_timeout=2.0, read_timeout=read_timeout))


@pytest.fixture
def po_client(jakamo_url):
    from sandbox import demo

    return make_client(jakamo_url, demo.PO)


@pytest.fixture
def so_client(jakamo_url):
    from sandbox import demo

    return make_client(jakamo_url, demo.SO)


@pytest.fixture
def asn_client(jakamo_url):
    from sandbox import demo

    return make_client(jakamo_url, demo.ASN)


def _user(username: str, role: str | None) -> User:
    roles.ensure_roles()
    user = User.objects.create_user(username, password="pw-for-tests-1")
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def purchaser(db):
    return _user("purchaser", roles.PURCHASERS)


@pytest.fixture
def seller(db):
    return _user("seller", roles.SALES)


@pytest.fixture
def integration_admin(db):
    return _user("integrator", roles.INTEGRATION_ADMINS)


@pytest.fixture
def support(db):
    return _user("support", roles.SUPPORT)


@pytest.fixture
def nobody(db):
    return _user("nobody", None)


def portal_integration(base_url: str, creds, kind: str, name: str):
    from mappings.models import Integration

    return Integration.objects.create(
        name=name,
        kind=kind,
        environment="custom",
        base_url=base_url,
        username=creds.username,
        password=creds.password,
        poll_interval=60,
    )


@pytest.fixture
def po_integration(jakamo_url):
    from sandbox import demo

    return portal_integration(jakamo_url, demo.PO, "purchase_order", "PO (sandbox)")


@pytest.fixture
def so_integration(jakamo_url):
    from sandbox import demo

    return portal_integration(jakamo_url, demo.SO, "sales_order", "SO (sandbox)")


@pytest.fixture
def asn_integration(jakamo_url):
    from sandbox import demo

    return portal_integration(jakamo_url, demo.ASN, "asn", "ASN (sandbox)")
