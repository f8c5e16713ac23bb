"""A small ERP connector written from the Jakamo reference documents alone (not from portal code):
post an order, drain the response queue acknowledging each message, confirm through
Jakamo-Confirm-Url, send Received. The tests run it unchanged against the sandbox and against the
portal's gateway."""

from __future__ import annotations

import re
from dataclasses import dataclass

import requests
from lxml import etree

EMPTY = "No more messages available"


@dataclass
class Answer:
    status: int
    text: str  # the first <error> of an error answer, else the body

    @classmethod
    def of(cls, response: requests.Response) -> Answer:
        match = re.search(r"<error>(.*?)</error>", response.text, re.S)
        return cls(response.status_code, match.group(1) if match else response.text.strip())


@dataclass
class Received:
    document_type: str
    order_number: str
    confirm_url: str


class ErpConnector:
    def __init__(self, base_url: str, username: str, password: str):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.auth = (username, password)

    def post_order(self, xml: bytes) -> Answer:
        return Answer.of(self.session.post(f"{self.base_url}/api/order", data=xml, timeout=10))

    def put_status(self, order_id: str, xml: bytes) -> Answer:
        return Answer.of(self.session.put(f"{self.base_url}/api/order/{order_id}", data=xml, timeout=10))

    def confirm(self, url: str, note: str = "") -> Answer:
        return Answer.of(self.session.post(url, data={"Note": note}, timeout=10))

    def drain(self, limit: int = 50) -> list[Received]:
        out = []
        for _ in range(limit):
            response = self.session.get(f"{self.base_url}/api/order/response", timeout=10)
            response.raise_for_status()
            if EMPTY in response.text[:500]:
                break
            root = etree.fromstring(response.content)
            kind = etree.QName(root).localname
            if kind == "OrderResponse":
                number = root.findtext(".//{*}OrderReference/{*}ID")
            elif kind == "StatusMessage":
                number = root.findtext(".//{*}OrderID") or root.findtext("{*}ID")
            else:
                number = root.findtext("{*}ID")
            out.append(Received(kind, number or "", response.headers.get("Jakamo-Confirm-Url", "")))
            self.session.post(response.headers["X-Acknowledge-Uri"], timeout=10).raise_for_status()
        return out


def status_message(order_id: str, status: str, line_ids: list[str]) -> bytes:
    """A StatusMessage as the PO document's Received example 1 shows it (whole lines)."""
    lines = "".join(f"<OrderLine><OrderLineID>{line}</OrderLineID></OrderLine>" for line in line_ids)
    return (
        f"<StatusMessage><OrderID>{order_id}</OrderID><Status>{status}</Status>"
        f"<EventDate>2026-11-20</EventDate>{lines}</StatusMessage>"
    ).encode()
