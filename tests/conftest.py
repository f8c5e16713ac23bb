"""Shared actors: the sandbox switched on, the demo network at the simulated Jakamo, a live HTTP
server to talk to it, portal users for every role, the buyer's and the supplier's integrations with
their mappings, and ShipHero's webhook endpoint. Plain helpers are in helpers.py."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from common import roles
from mappings.models import Integration
from sandbox import demo
from tests.helpers import (
    SHIPHERO_SECRET,
    buyer_integration,
    make_client,
    map_buyer,
    map_supplier,
    portal_integration,
    portal_user,
)

# Hypothesis profiles, chosen by HYPOTHESIS_PROFILE, else `ci` where CI is set (CI=true) and `dev`
# elsewhere (pytest's --hypothesis-profile overrides both).
# - `ci`: Hypothesis's own CI profile, the one CI ran before: derandomized (a run repeats), no
#   deadline, no example database, a failure prints the blob that reproduces it; each property test
#   runs its own number of examples (150 where it sets none).
# - `dev`: quick runs while working: at most 20 examples a test (tests.strategies.examples), random
#   ones; a failing example is kept in .hypothesis/ and tried first next time.
hypothesis_settings.register_profile(
    "ci", hypothesis_settings.get_profile("ci"), max_examples=150, deadline=None, derandomize=True, print_blob=True
)
hypothesis_settings.register_profile(
    "dev",
    hypothesis_settings.get_profile("default"),
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI", "").lower() not in ("", "0", "false") else "dev")
)


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
    return demo.setup_network()


@pytest.fixture
def jakamo_url(live_server, network) -> str:
    return f"{live_server.url}/sandbox/jakamo"


@pytest.fixture
def po_client(jakamo_url):
    return make_client(jakamo_url, demo.PO)


@pytest.fixture
def so_client(jakamo_url):
    return make_client(jakamo_url, demo.SO)


@pytest.fixture
def asn_client(jakamo_url):
    return make_client(jakamo_url, demo.ASN)


@pytest.fixture
def purchaser(db):
    return portal_user("purchaser", roles.PURCHASERS)


@pytest.fixture
def seller(db):
    return portal_user("seller", roles.SALES)


@pytest.fixture
def integration_admin(db):
    return portal_user("integrator", roles.INTEGRATION_ADMINS)


@pytest.fixture
def support(db):
    return portal_user("support", roles.SUPPORT)


@pytest.fixture
def nobody(db):
    return portal_user("nobody", None)


@pytest.fixture
def po_integration(jakamo_url):
    return portal_integration(jakamo_url, demo.PO, "purchase_order", "PO (sandbox)")


@pytest.fixture
def so_integration(jakamo_url):
    return portal_integration(jakamo_url, demo.SO, "sales_order", "SO (sandbox)")


@pytest.fixture
def asn_integration(jakamo_url):
    return portal_integration(jakamo_url, demo.ASN, "asn", "ASN (sandbox)")


@pytest.fixture
def buyer(po_integration, purchaser):
    """The purchase order integration with the sandbox, mapped for demo.sample_order."""
    return map_buyer(po_integration, purchaser)


@pytest.fixture
def offline_buyer(purchaser):
    """The buyer's mappings on an integration whose Jakamo is out of reach: nothing is sent."""
    return buyer_integration(purchaser)


@pytest.fixture
def supplier(so_integration, seller):
    """The sales order integration with the sandbox, mapped for its customer and the seller."""
    return map_supplier(so_integration, seller)


@pytest.fixture
def shiphero_endpoint(db):
    return Integration.objects.create(name="ShipHero", kind="shiphero", webhook_secret=SHIPHERO_SECRET, shop_name="*")
