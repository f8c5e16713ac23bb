"""A database dump holds no plaintext secret: integration passwords and OAuth2 client secrets,
ShipHero webhook secrets, ERP and gateway client credentials, people's passwords, and the
Authorization headers and bearer tokens that went over the wire while messages moved.

The dump is taken twice: Django's ``dumpdata`` of every portal table, and the database's own dump
(SQLite's ``iterdump``, or ``pg_dump`` on PostgreSQL), so an encrypted field that is only decrypted
on the way out still counts. The sandbox's tables are left out: they are the simulated Jakamo's
side of the conversation, and a production deployment never has the sandbox switched on."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.db import connection

from exchange import inbox
from exchange.models import InboxMessage
from gateway import services as gateway_services
from mappings.models import Integration
from orders.purchase import services
from orders.purchase.intake import erp_client_create
from sandbox import demo, party
from sandbox.models import AccessToken
from sandbox.models import Order as JakamoOrder
from tests.helpers import map_buyer, send_all

PERSON_PASSWORD = "correct-horse-battery-2026"
WEBHOOK_SECRET = "shiphero-shared-secret-0042"


def database_dump() -> str:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed; the dumpdata half of this test still ran")
    settings = connection.settings_dict
    return subprocess.run(
        ["pg_dump", "-h", settings["HOST"], "-p", str(settings["PORT"]), "-U", settings["USER"], settings["NAME"]],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def without_sandbox_tables(dump: str) -> str:
    """The database's own dump holds the sandbox's tables too: drop their INSERT lines (SQLite)
    and COPY blocks (pg_dump)."""
    kept, in_sandbox_copy = [], False
    for line in dump.splitlines():
        if line.startswith("COPY public.sandbox_"):
            in_sandbox_copy = True
        elif in_sandbox_copy and line == "\\.":
            in_sandbox_copy = False
        elif not in_sandbox_copy and "sandbox_" not in line:
            kept.append(line)
    return "\n".join(kept)


def portal_dumpdata() -> str:
    out = io.StringIO()
    call_command("dumpdata", exclude=["sandbox", "common.portal"], stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_no_plaintext_secret_in_a_database_dump(live_server, network, django_user_model):
    base = f"{live_server.url}/sandbox/jakamo"
    basic = Integration.objects.create(
        name="PO basic",
        kind="purchase_order",
        environment="custom",
        base_url=base,
        username=demo.PO.username,
        password=demo.PO.password,
    )
    oauth = Integration.objects.create(
        name="PO oauth",
        kind="purchase_order",
        environment="custom",
        base_url=base,
        auth_method="oauth2",
        token_url=f"{base}/oauth2/token",
        client_id=demo.PO.client_id,
        client_secret=demo.PO.client_secret,
    )
    Integration.objects.create(name="ShipHero", kind="shiphero", webhook_secret=WEBHOOK_SECRET, shop_name="*")
    _, erp_token = erp_client_create(name="ERP", integration=basic)
    _, gateway_secret = gateway_services.client_create(name="Gateway", integration=basic)
    purchaser = django_user_model.objects.create_user("pat", password=PERSON_PASSWORD)

    # Traffic, so headers, attempts and logs are written: an order out with basic auth, the
    # supplier's confirmation in through OAuth2.
    map_buyer(basic, purchaser)
    services.purchase_order_create(integration=basic, document=demo.sample_order("SEC-1"), user=purchaser)
    send_all()
    party.supplier_confirm(JakamoOrder.objects.get(order_number="SEC-1"), {})
    inbox.sync(oauth.pk)
    assert InboxMessage.objects.filter(integration=oauth, document_type="OrderResponse").exists(), "no OAuth2 sync"
    bearer = AccessToken.objects.latest("id").token

    secrets = {
        "PO password": demo.PO.password,
        "basic auth header": base64.b64encode(f"{demo.PO.username}:{demo.PO.password}".encode()).decode(),
        "OAuth2 client secret": demo.PO.client_secret,
        "OAuth2 bearer token": bearer,
        "ShipHero webhook secret": WEBHOOK_SECRET,
        "ERP client token": erp_token,
        "gateway client secret": gateway_secret,
        "a person's password": PERSON_PASSWORD,
    }
    dumps = {"dumpdata": portal_dumpdata(), connection.vendor: database_dump()}
    for dump_name, text in dumps.items():
        if dump_name != "dumpdata":
            text = without_sandbox_tables(text)
        leaked = [what for what, secret in secrets.items() if secret in text]
        assert leaked == [], f"{dump_name} holds plaintext: {leaked}"
    # The encrypted columns really do hold something: the secrets can be read back.
    assert Integration.objects.get(pk=basic.pk).password == demo.PO.password


def test_a_json_backup_restores_the_secrets(db, tmp_path):
    Integration.objects.create(name="PO", kind="purchase_order", username="u", password=demo.PO.password)
    backup = tmp_path / "backup.json"
    call_command("dumpdata", "mappings.integration", output=str(backup))
    assert demo.PO.password not in backup.read_text() and '"fernet:' in backup.read_text()
    Integration.objects.all().delete()
    call_command("loaddata", str(backup), verbosity=0)
    assert Integration.objects.get(name="PO").password == demo.PO.password
