"""The sandbox fires ShipHero Shipment ASN webhooks over HTTP, signed as ShipHero signs them."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from jakamo import shiphero
from sandbox import party
from sandbox.models import Webhook


@pytest.fixture
def receiver():
    """A real HTTP endpoint on loopback that records what it receives."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            answer = json.dumps({"code": "200", "Status": "Success"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/webhook", received
    server.shutdown()


@pytest.mark.parametrize("kind", ["freight", "courier"])
def test_a_signed_webhook_reaches_the_receiver_and_parses(db, receiver, kind):
    url, received = receiver
    payload = party.shiphero_payload(
        kind=kind, order_id="666678858", line_items=[{"partner_line_item_id": "SO-1/1", "sku": "a", "quantity": 3}]
    )
    hook = party.fire_shiphero_webhook(url, "s3cret", payload)
    assert hook.status == 200 and '"Success"' in hook.answer and Webhook.objects.count() == 1
    headers, body = received[0]
    assert shiphero.verify(body, "s3cret", headers[shiphero.SIGNATURE_HEADER])
    assert headers[shiphero.MESSAGE_ID_HEADER] == hook.message_id
    asn = shiphero.parse_shipment_asn(body)
    assert asn.is_freight == (kind == "freight") and asn.has_shipped
    assert asn.line_items()[0].partner_line_item_id == "SO-1/1"
    if kind == "freight":
        assert [c.type for c in asn.all_containers()] == ["Pallet", "Box"] and asn.tracking_number


def test_a_webhook_before_the_shipment_exists_has_null_shipment_fields(db, receiver):
    url, received = receiver
    payload = party.shiphero_payload(kind="courier", order_id="1", line_items=[], shipped=False)
    party.fire_shiphero_webhook(url, "s3cret", payload)
    asn = shiphero.parse_shipment_asn(received[0][1])
    assert asn.shipping_details.shipment_id is None and asn.shipping_details.ship_date is None and not asn.has_shipped


def test_an_unreachable_receiver_is_recorded_not_raised(db):
    hook = party.fire_shiphero_webhook(
        "http://127.0.0.1:9/none", "s", party.shiphero_payload(kind="courier", order_id="1", line_items=[]), timeout=2
    )
    assert hook.status is None and hook.answer.startswith("No answer")


@pytest.mark.parametrize(("typed", "sent"), [("666678858", 666678858), ("MO-1", "MO-1"), ("²", "²"), ("١٢", "١٢")])
def test_an_order_id_of_ascii_digits_goes_out_as_a_number_as_shiphero_sends_it(typed, sent):
    # "²" and "١٢" pass str.isdigit(); int() refuses the first, and ShipHero would never send either.
    assert party.shiphero_payload(kind="courier", order_id=typed, line_items=[])["order_id"] == sent
