"""Which values of an ASN (Jakamo's ASN queue) and of a ShipHero Shipment ASN reach which column of
this app, and the check that refuses a message whose values do not fit, each named by its JSON path
(``common.limits``; the same rule as ``orders.bounds`` for the UBL documents).

``REACHED`` lists every (model, field) a value from outside reaches with the JSON key it comes from;
``NOT_FROM_OUTSIDE`` the character columns the portal fills itself, with why.
``tests/portal/test_bounds.py`` holds both lists against the models."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from common.limits import Bounds
from jakamo import asn as jasn
from jakamo import shiphero
from jakamo.errors import DocumentError, Problem

from .models import ShipHeroOrderLink, ShipHeroWebhook, Shipment, ShipmentItem, ShippingUnit, WebhookRejection

ASN, SHIPHERO = "asn", "shiphero"
HEADER, UNIT, ITEM = "header", "unit", "item"


@dataclass(frozen=True)
class Reach:
    model: type
    field: str
    flow: str
    scope: str  # HEADER: the message, UNIT: each shipping unit, ITEM: each item of a unit
    path: str  # the JSON key below the scope's object, dotted for nested objects
    read: Callable


def _attr(*names: str) -> Callable:
    def read(obj):
        for name in names:
            obj = getattr(obj, name, None) if obj is not None else None
        return obj

    return read


def _dims(name: str) -> Callable:
    return _attr("dimensions", name)


REACHED: list[Reach] = [
    Reach(Shipment, "asn_id", ASN, HEADER, "ID", _attr("id")),
    Reach(Shipment, "shipment_number", ASN, HEADER, "shipmentNumber", _attr("shipment_number")),
    Reach(Shipment, "asn_status", ASN, HEADER, "status", _attr("status")),
    Reach(Shipment, "dispatch_company_name", ASN, HEADER, "dispatchCompanyName", _attr("dispatch_company_name")),
    Reach(Shipment, "dispatch_contact_name", ASN, HEADER, "dispatchContactName", _attr("dispatch_contact_name")),
    Reach(Shipment, "dispatch_contact_email", ASN, HEADER, "dispatchContactEmail", _attr("dispatch_contact_email")),
    Reach(Shipment, "buyer_company_name", ASN, HEADER, "buyer.companyName", _attr("buyer", "company_name")),
    Reach(Shipment, "buyer_company_id", ASN, HEADER, "buyer.companyID", _attr("buyer", "company_id")),
    Reach(Shipment, "supplier_company_name", ASN, HEADER, "supplier.companyName", _attr("supplier", "company_name")),
    Reach(Shipment, "supplier_company_id", ASN, HEADER, "supplier.companyID", _attr("supplier", "company_id")),
    Reach(ShippingUnit, "number", ASN, UNIT, "shippingUnitNumber", _attr("number")),
    Reach(ShippingUnit, "type", ASN, UNIT, "type", _attr("type")),
    Reach(ShippingUnit, "mass_unit", ASN, UNIT, "dimensions.massUnit", _dims("mass_unit")),
    Reach(ShippingUnit, "length_unit", ASN, UNIT, "dimensions.lengthUnit", _dims("length_unit")),
    Reach(ShipmentItem, "order_number", ASN, ITEM, "orderNumber", _attr("order_number")),
    Reach(ShipmentItem, "line_number", ASN, ITEM, "lineNumber", _attr("line_number")),
    Reach(ShipmentItem, "sellers_item_id", ASN, ITEM, "sellersItemID", _attr("sellers_item_id")),
    Reach(ShipmentItem, "buyers_item_id", ASN, ITEM, "buyersItemID", _attr("buyers_item_id")),
    Reach(ShipmentItem, "buyers_item_name", ASN, ITEM, "buyersItemName", _attr("buyers_item_name")),
    Reach(ShipmentItem, "batch_number", ASN, ITEM, "batchNumber", _attr("batch_number")),
    Reach(ShipmentItem, "manufacturing_batch", ASN, ITEM, "manufacturingBatch", _attr("manufacturing_batch")),
    Reach(ShipHeroWebhook, "shiphero_order_id", SHIPHERO, HEADER, "order_id", _attr("order_id")),
    Reach(
        ShipHeroWebhook,
        "shipment_id",
        SHIPHERO,
        HEADER,
        "shipping_details.shipment_id",
        _attr("shipping_details", "shipment_id"),
    ),
    Reach(
        ShipHeroWebhook,
        "tracking_number",
        SHIPHERO,
        HEADER,
        "shipping_details.pro_number",
        _attr("shipping_details", "pro_number"),
    ),
    Reach(
        ShipHeroWebhook,
        "tracking_number",
        SHIPHERO,
        HEADER,
        "shipping_details.bill_of_lading",
        _attr("shipping_details", "bill_of_lading"),
    ),
    Reach(
        ShipHeroWebhook,
        "trading_partner_name",
        SHIPHERO,
        HEADER,
        "shipping_details.trading_partner_name",
        _attr("shipping_details", "trading_partner_name"),
    ),
    Reach(ShipHeroOrderLink, "shiphero_order_id", SHIPHERO, HEADER, "order_id", _attr("order_id")),
]

NOT_FROM_OUTSIDE = {
    (Shipment, "status"): "the portal's own status",
    (ShipmentItem, "link_problem"): "the portal's sentence; the values it quotes are bounded above",
    (ShipHeroWebhook, "message_id"): "the X-Shiphero-Message-ID header, checked by message_id_problems",
    (ShipHeroWebhook, "state"): "the portal's own state",
    (ShipHeroOrderLink, "rule"): "the portal's own rule name",
    (WebhookRejection, "reason"): "the portal's sentence for a refused call",
    (WebhookRejection, "message_id"): "a refused call's header, kept shortened as a record",
}


def _check(bounds: Bounds, obj, reaches, where: str):
    for r in reaches:
        bounds.text(r.read(obj), r.model, r.field, f"{where}.{r.path}")


def asn_problems(asn: jasn.Asn) -> list[Problem]:
    bounds = Bounds()
    reaches = [r for r in REACHED if r.flow == ASN]
    _check(bounds, asn, [r for r in reaches if r.scope == HEADER], "ASN")
    for u, unit in enumerate(asn.shipping_units):
        unit_where = f"ASN.shippingUnits[{u}]"
        _check(bounds, unit, [r for r in reaches if r.scope == UNIT], unit_where)
        for name in ("mass", "length", "width", "height", "diameter"):
            value = getattr(unit.dimensions, name, None) if unit.dimensions else None
            bounds.number(value, ShippingUnit, name, f"{unit_where}.dimensions.{name}", exact=True)
        for i, item in enumerate(unit.items):
            item_where = f"{unit_where}.items[{i}]"
            _check(bounds, item, [r for r in reaches if r.scope == ITEM], item_where)
            bounds.number(item.quantity, ShipmentItem, "quantity", f"{item_where}.quantity", exact=True)
    return bounds.problems


def shiphero_problems(doc: shiphero.ShipmentAsn) -> list[Problem]:
    bounds = Bounds()
    _check(bounds, doc, [r for r in REACHED if r.flow == SHIPHERO], "body")
    return bounds.problems


def message_id_problems(message_id: str) -> list[Problem]:
    bounds = Bounds()
    bounds.text(
        message_id, ShipHeroWebhook, "message_id", _("the %(header)s header") % {"header": "X-Shiphero-Message-ID"}
    )
    return bounds.problems


def checked_asn(handler: Callable) -> Callable:
    """The ASN route after the ASN's values are checked: one that does not fit fails the message
    with every such value named, before anything is written."""

    @functools.wraps(handler)
    def route(inbox, identified):
        problems = asn_problems(identified.document)
        if problems:
            raise DocumentError(problems)
        return handler(inbox, identified)

    return route
