"""Jakamo ASN (advance shipping notice) JSON, as the ASN API queue returns it (ASN document 6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from .errors import DocumentError, Problem
from .jsonsafe import Fields, load_json
from .ubl_parse import parse_date


@dataclass
class Dimensions:
    mass: Decimal | None = None
    mass_unit: str | None = None
    length: Decimal | None = None
    width: Decimal | None = None
    height: Decimal | None = None
    diameter: Decimal | None = None
    length_unit: str | None = None


@dataclass
class AsnItem:
    order_number: str
    line_number: str
    quantity: Decimal
    sellers_item_id: str | None = None
    buyers_item_id: str | None = None
    buyers_item_name: str | None = None
    batch_number: str | None = None
    manufacturing_batch: str | None = None
    expiration_date: date | None = None
    serial_numbers: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


@dataclass
class ShippingUnit:
    number: str | None
    type: str | None
    items: list[AsnItem] = field(default_factory=list)
    dimensions: Dimensions | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class AsnParty:
    company_name: str | None = None
    company_id: str | None = None


@dataclass
class Asn:
    id: str
    shipment_number: str
    status: str | None = None
    dispatch_company_name: str | None = None
    dispatch_contact_name: str | None = None
    dispatch_contact_email: str | None = None
    dispatch_street_name: str | None = None
    dispatch_building_number: str | None = None
    dispatch_additional_street_name: str | None = None
    dispatch_city: str | None = None
    dispatch_postal_zone: str | None = None
    dispatch_country: str | None = None
    dispatch_datetime: datetime | None = None
    buyer: AsnParty | None = None
    supplier: AsnParty | None = None
    shipping_units: list[ShippingUnit] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def items(self) -> list[AsnItem]:
        return [item for unit in self.shipping_units for item in unit.items]


def _party(f: Fields, key: str) -> AsnParty | None:
    raw = f.obj_or_none(key)
    if raw is None:
        return None
    p = Fields(raw, f"{f.path}.{key}", f.problems)
    return AsnParty(p.str("companyName"), p.str("companyID"))


def parse_asn(data) -> Asn:
    """Read one ASN message (bytes/str or an already decoded dict)."""
    obj = load_json(data) if isinstance(data, (bytes, str)) else data
    problems: list[Problem] = []
    f = Fields(obj, "ASN", problems)
    units = []
    for u_index, raw_unit in enumerate(f.list("shippingUnits")):
        uf = Fields(raw_unit, f"ASN.shippingUnits[{u_index}]", problems)
        items = []
        for i_index, raw_item in enumerate(uf.list("items")):
            itf = Fields(raw_item, f"{uf.path}.items[{i_index}]", problems)
            expiry_raw = itf.str("expirationDate")
            expiry = parse_date(expiry_raw) if expiry_raw else None
            if expiry_raw and expiry is None:
                problems.append(Problem(f"'{expiry_raw}' is not a date", f"{itf.path}.expirationDate"))
            quantity = itf.decimal("quantity", required=True)
            if quantity is not None and quantity < 0:
                problems.append(Problem("must not be negative", f"{itf.path}.quantity"))
            serials = [str(s) for s in itf.list("serialNumbers") if s not in (None, "")]
            item = AsnItem(
                order_number=itf.str("orderNumber", required=True) or "",
                line_number=itf.str("lineNumber", required=True) or "",
                quantity=quantity if quantity is not None else Decimal(0),
                sellers_item_id=itf.str("sellersItemID"),
                buyers_item_id=itf.str("buyersItemID"),
                buyers_item_name=itf.str("buyersItemName"),
                batch_number=itf.str("batchNumber"),
                manufacturing_batch=itf.str("manufacturingBatch"),
                expiration_date=expiry,
                serial_numbers=serials,
            )
            item.extra = itf.extra()
            items.append(item)
        dims = None
        raw_dims = uf.obj_or_none("dimensions")
        if raw_dims is not None:
            df = Fields(raw_dims, f"{uf.path}.dimensions", problems)
            dims = Dimensions(
                df.decimal("mass"),
                df.str("massUnit"),
                df.decimal("length"),
                df.decimal("width"),
                df.decimal("height"),
                df.decimal("diameter"),
                df.str("lengthUnit"),
            )
        unit = ShippingUnit(uf.str("shippingUnitNumber"), uf.str("type"), items, dims)
        unit.extra = uf.extra()
        units.append(unit)
    dispatched_raw = f.str("dispatchDatetime")
    dispatched = None
    if dispatched_raw:
        try:
            dispatched = datetime.fromisoformat(dispatched_raw.replace("Z", "+00:00"))
        except ValueError:
            problems.append(Problem(f"'{dispatched_raw}' is not a date-time", "ASN.dispatchDatetime"))
    asn = Asn(
        id=f.str("ID", required=True) or "",
        shipment_number=f.str("shipmentNumber", required=True) or "",
        status=f.str("status"),
        dispatch_company_name=f.str("dispatchCompanyName"),
        dispatch_contact_name=f.str("dispatchContactName"),
        dispatch_contact_email=f.str("dispatchContactEmail"),
        dispatch_street_name=f.str("dispatchStreetName"),
        dispatch_building_number=f.str("dispatchBuildingNumber"),
        dispatch_additional_street_name=f.str("dispatchAdditionalStreetName"),
        dispatch_city=f.str("dispatchCity"),
        dispatch_postal_zone=f.str("dispatchPostalZone"),
        dispatch_country=f.str("dispatchCountry"),
        dispatch_datetime=dispatched,
        buyer=_party(f, "buyer"),
        supplier=_party(f, "supplier"),
        shipping_units=units,
    )
    asn.extra = f.extra()
    if problems:
        raise DocumentError(problems)
    return asn


def asn_to_json(asn: Asn) -> dict:
    """The JSON Jakamo would send for this ASN (the sandbox's dispatch uses it)."""

    def num(value):
        if value is None:
            return None
        return int(value) if value == value.to_integral_value() else float(value)

    return {
        "ID": asn.id,
        "shipmentNumber": asn.shipment_number,
        "status": asn.status,
        "dispatchCompanyName": asn.dispatch_company_name,
        "dispatchContactName": asn.dispatch_contact_name,
        "dispatchContactEmail": asn.dispatch_contact_email or "",
        "dispatchStreetName": asn.dispatch_street_name,
        "dispatchBuildingNumber": asn.dispatch_building_number,
        "dispatchAdditionalStreetName": asn.dispatch_additional_street_name,
        "dispatchCity": asn.dispatch_city,
        "dispatchPostalZone": asn.dispatch_postal_zone,
        "dispatchCountry": asn.dispatch_country,
        "shippingUnits": [
            {
                "shippingUnitNumber": unit.number,
                "type": unit.type,
                "items": [
                    {
                        "orderNumber": item.order_number,
                        "lineNumber": item.line_number,
                        "quantity": format(item.quantity, "f"),
                        "sellersItemID": item.sellers_item_id,
                        "buyersItemID": item.buyers_item_id,
                        "buyersItemName": item.buyers_item_name,
                        "batchNumber": item.batch_number,
                        "manufacturingBatch": item.manufacturing_batch,
                        "expirationDate": item.expiration_date.isoformat() if item.expiration_date else None,
                        "serialNumbers": item.serial_numbers,
                        **item.extra,
                    }
                    for item in unit.items
                ],
                "dimensions": None
                if unit.dimensions is None
                else {
                    "mass": num(unit.dimensions.mass),
                    "massUnit": unit.dimensions.mass_unit,
                    "length": num(unit.dimensions.length),
                    "width": num(unit.dimensions.width),
                    "height": num(unit.dimensions.height),
                    "diameter": num(unit.dimensions.diameter),
                    "lengthUnit": unit.dimensions.length_unit,
                },
                **unit.extra,
            }
            for unit in asn.shipping_units
        ],
        "buyer": None
        if asn.buyer is None
        else {"companyName": asn.buyer.company_name, "companyID": asn.buyer.company_id},
        "supplier": None
        if asn.supplier is None
        else {"companyName": asn.supplier.company_name, "companyID": asn.supplier.company_id},
        "dispatchDatetime": asn.dispatch_datetime.isoformat() if asn.dispatch_datetime else None,
        **asn.extra,
    }
