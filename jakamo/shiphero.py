"""ShipHero "Shipment ASN" webhook: payload reader and HMAC signature.

ShipHero signs the raw request body: header ``X-ShipHero-HMAC-SHA256`` =
base64(HMAC-SHA256(body, shared secret)). Verify over the raw bytes, in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from .errors import DocumentError, Problem
from .jsonsafe import Fields, load_json
from .ubl_parse import parse_date

SIGNATURE_HEADER = "X-ShipHero-HMAC-SHA256"
MESSAGE_ID_HEADER = "X-Shiphero-Message-ID"
WEBHOOK_TYPE = "Shipment ASN"
FREIGHT_FIELDS = ("scac", "bill_of_lading", "pro_number", "trailer_number")


def sign(body: bytes, secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(body: bytes, secret: str, signature: str | None) -> bool:
    if not signature or not secret:
        return False
    return hmac.compare_digest(sign(body, secret).encode("ascii"), signature.strip().encode("ascii", "replace"))


@dataclass
class LineItem:
    order_line_item_id: str | None
    partner_line_item_id: str | None
    sku: str | None
    name: str | None
    quantity: Decimal
    extra: dict = field(default_factory=dict)


@dataclass
class Container:
    type: str | None  # Pallet, Box, CasePack, ... (unknown types are kept as they come)
    height: Decimal | None = None
    length: Decimal | None = None
    width: Decimal | None = None
    weight_in_oz: Decimal | None = None
    barcode: str | None = None
    shipping_box_id: str | None = None
    container_number: str | None = None
    containers: list[Container] = field(default_factory=list)
    line_items: list[LineItem] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def walk(self):
        """This container and every container inside it, depth first (no recursion limit)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.containers))


@dataclass
class ShippingDetails:
    carrier: str | None = None
    shipping_method: str | None = None
    shipment_id: str | None = None
    ship_date: date | None = None
    requested_delivery_date: datetime | None = None
    ship_not_before_date: datetime | None = None
    ship_no_later_than_date: datetime | None = None
    trading_partner_id: str | None = None
    trading_partner_name: str | None = None
    scac: str | None = None
    bill_of_lading: str | None = None
    pro_number: str | None = None
    trailer_number: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class ShipmentAsn:
    account_id: str | None
    order_id: str
    shipment_identification: str | None
    webhook_type: str
    shipping_details: ShippingDetails
    containers: list[Container] = field(default_factory=list)
    layout_created_at: datetime | None = None
    layout_updated_at: datetime | None = None
    extra: dict = field(default_factory=dict)

    @property
    def is_freight(self) -> bool:
        return any(getattr(self.shipping_details, f) is not None for f in FREIGHT_FIELDS) or (
            (self.shipping_details.shipping_method or "").lower() == "freight"
        )

    @property
    def has_shipped(self) -> bool:
        """A shipment exists: ShipHero fills shipment_id and ship_date only then."""
        return bool(self.shipping_details.shipment_id and self.shipping_details.ship_date)

    @property
    def tracking_number(self) -> str | None:
        d = self.shipping_details
        if self.is_freight:
            return d.pro_number or d.bill_of_lading or d.shipment_id
        return d.shipment_id

    def all_containers(self):
        for top in self.containers:
            yield from top.walk()

    def line_items(self) -> list[LineItem]:
        return [item for c in self.all_containers() for item in c.line_items]


def _datetime(f: Fields, key: str) -> datetime | None:
    raw = f.str(key)
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        f.problems.append(Problem(f"'{raw}' is not a date-time", f"{f.path}.{key}"))
        return None


def _container(raw, path: str, problems: list[Problem]) -> Container:
    # Iterative: a hostile payload may nest containers thousands deep.
    root = None
    stack = [(raw, path, None)]
    while stack:
        obj, p, parent = stack.pop()
        cf = Fields(obj, p, problems)
        details_raw = cf.obj_or_none("details") or {}
        df = Fields(details_raw, f"{p}.details", problems)
        items = []
        for i, raw_item in enumerate(cf.list("line_items")):
            itf = Fields(raw_item, f"{p}.line_items[{i}]", problems)
            quantity = itf.decimal("quantity", required=True)
            if quantity is not None and quantity < 0:
                problems.append(Problem("must not be negative", f"{itf.path}.quantity"))
            item = LineItem(
                itf.str("order_line_item_id"),
                itf.str("partner_line_item_id"),
                itf.str("sku"),
                itf.str("name"),
                quantity if quantity is not None else Decimal(0),
            )
            item.extra = itf.extra()
            items.append(item)
        node = Container(
            type=cf.str("type"),
            height=df.decimal("height"),
            length=df.decimal("length"),
            width=df.decimal("width"),
            weight_in_oz=df.decimal("weight_in_oz"),
            barcode=df.str("barcode"),
            shipping_box_id=df.str("shipping_box_id"),
            container_number=df.str("container_number"),
            line_items=items,
        )
        children = cf.list("containers")
        node.extra = {**cf.extra(), **{f"details.{k}": v for k, v in df.extra().items()}}
        if parent is None:
            root = node
        else:
            parent.containers.append(node)
        for i in range(len(children) - 1, -1, -1):
            stack.append((children[i], f"{p}.containers[{i}]", node))
    # Children were pushed reversed so they pop in order, but appended in pop order: that is
    # document order for each parent.
    return root


def parse_shipment_asn(data) -> ShipmentAsn:
    obj = load_json(data) if isinstance(data, (bytes, str)) else data
    problems: list[Problem] = []
    f = Fields(obj, "body", problems)
    webhook_type = f.str("webhook_type", required=True) or ""
    if webhook_type and webhook_type != WEBHOOK_TYPE:
        problems.append(Problem(f"expected '{WEBHOOK_TYPE}', got '{webhook_type}'", "body.webhook_type"))
    details_raw = f.obj_or_none("shipping_details")
    if details_raw is None:
        problems.append(Problem("is required", "body.shipping_details"))
        details_raw = {}
    df = Fields(details_raw, "body.shipping_details", problems)
    ship_date_raw = df.str("ship_date")
    ship_date = parse_date(ship_date_raw) if ship_date_raw else None
    if ship_date_raw and ship_date is None:
        problems.append(Problem(f"'{ship_date_raw}' is not a date", "body.shipping_details.ship_date"))
    details = ShippingDetails(
        carrier=df.str("carrier"),
        shipping_method=df.str("shipping_method"),
        shipment_id=df.str("shipment_id"),
        ship_date=ship_date,
        requested_delivery_date=_datetime(df, "requested_delivery_date"),
        ship_not_before_date=_datetime(df, "ship_not_before_date"),
        ship_no_later_than_date=_datetime(df, "ship_no_later_than_date"),
        trading_partner_id=df.str("trading_partner_id"),
        trading_partner_name=df.str("trading_partner_name"),
        scac=df.str("scac"),
        bill_of_lading=df.str("bill_of_lading"),
        pro_number=df.str("pro_number"),
        trailer_number=df.str("trailer_number"),
    )
    details.extra = df.extra()
    layout = f.obj_or_none("packing_layout")
    containers = []
    created = updated = None
    if layout is None:
        problems.append(Problem("is required", "body.packing_layout"))
    else:
        lf = Fields(layout, "body.packing_layout", problems)
        created = _datetime(lf, "created_at")
        updated = _datetime(lf, "updated_at")
        for i, raw in enumerate(lf.list("containers")):
            containers.append(_container(raw, f"body.packing_layout.containers[{i}]", problems))
    asn = ShipmentAsn(
        account_id=f.str("account_id"),
        order_id=f.str("order_id", required=True) or "",
        shipment_identification=f.str("shipment_identification"),
        webhook_type=webhook_type,
        shipping_details=details,
        containers=containers,
        layout_created_at=created,
        layout_updated_at=updated,
    )
    asn.extra = f.extra()
    if problems:
        raise DocumentError(problems)
    return asn


def matches_shop(shop_name: str, trading_partner_name: str | None) -> bool:
    """The webhook's shop_name selects payloads: the partner's name, or ``*`` for all."""
    return shop_name == "*" or (trading_partner_name is not None and shop_name == trading_partner_name)
