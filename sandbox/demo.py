"""Demo and test fixtures for the simulated Jakamo: one company with PO, SO and ASN integrations,
its suppliers and customers mapped, and orders in the states Jakamo shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from jakamo import ubl
from jakamo.ubl_build import build_order_document

from . import party, services
from .models import Api, CompanyMapping, Integration, UserMapping

OUR_COMPANY = "Nordic Parts Oy"
SUPPLIERS = {"V-100": "Test Supplier Ltd.", "V-200": "Kotka Castings Ab"}
CUSTOMERS = {"C-100": "Customer Company AB", "C-200": "Baltic Machines AS"}


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    client_id: str
    client_secret: str


PO = Credentials("po-nordic", "po-secret-1", "po-client", "po-client-secret")
SO = Credentials("so-nordic", "so-secret-1", "so-client", "so-client-secret")
ASN = Credentials("asn-nordic", "asn-secret-1", "asn-client", "asn-client-secret")


def _integration(company: str, api: str, creds: Credentials, **options) -> Integration:
    integration, _ = Integration.objects.get_or_create(
        username=creds.username, defaults={"company": company, "api": api, "client_id": creds.client_id, **options}
    )
    integration.set_password(creds.password)
    integration.set_client_secret(creds.client_secret)
    integration.save()
    return integration


def setup_network() -> dict[str, Integration]:
    """Integrations and mappings at the simulated Jakamo (idempotent)."""
    po = _integration(OUR_COMPANY, Api.PURCHASE_ORDER, PO, allow_new_batches=True, allow_draft=True)
    so = _integration(OUR_COMPANY, Api.SALES_ORDER, SO)
    asn = _integration(OUR_COMPANY, Api.ASN, ASN)
    for identifier, company in SUPPLIERS.items():
        CompanyMapping.objects.get_or_create(integration=po, identifier=identifier, defaults={"company": company})
        CompanyMapping.objects.get_or_create(integration=asn, identifier=identifier, defaults={"company": company})
    CompanyMapping.objects.get_or_create(integration=asn, identifier="NORDIC", defaults={"company": OUR_COMPANY})
    for identifier, name in {"bertha": "Bertha Buyer", "pete": "Pete Purchaser"}.items():
        UserMapping.objects.get_or_create(integration=po, identifier=identifier, defaults={"user_name": name})
    for identifier, company in CUSTOMERS.items():
        CompanyMapping.objects.get_or_create(integration=so, identifier=identifier, defaults={"company": company})
    UserMapping.objects.get_or_create(
        integration=so, identifier="sam", defaults={"user_name": "Sam Seller", "is_default": True}
    )
    return {"po": po, "so": so, "asn": asn}


def sample_order(
    order_number: str,
    *,
    vendor_id: str = "V-100",
    buyer_contact: str = "bertha",
    lines: int = 2,
    quantity: Decimal = Decimal(100),
    price: Decimal = Decimal(120),
    base_quantity: Decimal = Decimal(10),
    requested: date | None = None,
) -> ubl.OrderDocument:
    """An Order shaped like the PO document's full example, with ``lines`` lines."""
    requested = requested or date.today() + timedelta(days=30)
    return ubl.OrderDocument(
        kind=ubl.ORDER,
        id=order_number,
        issue_date=date.today(),
        document_currency_code="EUR",
        buyer_customer_party=ubl.CustomerParty(
            ubl.Party([ubl.Identifier("NORDIC")], name=OUR_COMPANY),
            buyer_contact=ubl.Contact(id=buyer_contact),
        ),
        seller_supplier_party=ubl.SupplierParty(ubl.Party([ubl.Identifier(vendor_id)], name=SUPPLIERS.get(vendor_id))),
        lines=[
            ubl.OrderLine(
                id=str(n),
                quantity=ubl.Quantity(quantity, "PCE"),
                deliveries=[
                    ubl.Delivery(
                        id=f"{order_number}-{n}-1",
                        quantity=ubl.Quantity(quantity, "PCE"),
                        requested_end_date=requested,
                    )
                ],
                price=ubl.Price(ubl.Amount(price, "EUR"), ubl.Quantity(base_quantity, "PCE")),
                item=ubl.Item(
                    name=f"HEX HEAD SCREW M{10 + n}x80mm",
                    buyers_item_identification=ubl.ItemIdentification(f"PART-{n:04d}"),
                    sellers_item_identification=ubl.ItemIdentification(f"S-{n:04d}"),
                ),
            )
            for n in range(1, lines + 1)
        ],
    )


# (order number, what the supplier does, vendor id)
DEMO_PURCHASE_ORDERS = [
    ("DEMO-1001", "waiting", "V-100"),
    ("DEMO-1002", "confirmed", "V-100"),
    ("DEMO-1003", "changes", "V-100"),
    ("DEMO-1004", "partial", "V-200"),
    ("DEMO-1005", "rejected", "V-200"),
    ("DEMO-1006", "delivered", "V-100"),
]


def seed_orders(network: dict[str, Integration]) -> list[str]:
    """Orders in the states a purchaser and a seller meet every day. Skips those that exist."""
    from .models import Order

    made = []
    po = network["po"]
    for number, plan, vendor in DEMO_PURCHASE_ORDERS:
        if Order.objects.filter(buyer_company=OUR_COMPANY, order_number=number).exists():
            continue
        order = services.receive_po_document(po, build_order_document(sample_order(number, vendor_id=vendor)))
        later = date.today() + timedelta(days=44)
        if plan == "confirmed":
            party.supplier_confirm(order)
        elif plan == "changes":
            party.supplier_confirm(
                order,
                {
                    "1": party.LineChange(quantity=Decimal(80)),
                    "2": party.LineChange(price=Decimal("13.50"), new_batches=[(Decimal(40), later)]),
                },
                note="Can do 80 now, price up due to steel.",
            )
        elif plan == "partial":
            party.supplier_confirm(order, {"2": party.LineChange(leave_open=True)})
        elif plan == "rejected":
            party.supplier_reject(order, note="We no longer make this item.")
        elif plan == "delivered":
            party.supplier_confirm(order)
            party.supplier_deliver(order, tracking_number="JJFI123456789")
            party.supplier_dispatch_asn(order)
        made.append(number)
    for number, customer in (("CUST-5001", "Customer Company AB"), ("CUST-5002", "Baltic Machines AS")):
        if Order.objects.filter(buyer_company=customer, order_number=number).exists():
            continue
        party.customer_place_order(
            network["so"],
            customer_company=customer,
            order_number=number,
            lines=[
                party.CustomerLine("Bearing 6204", Decimal(50), Decimal("4.20"), date.today() + timedelta(days=14)),
                party.CustomerLine("Shaft 20mm", Decimal(10), Decimal("31.00"), date.today() + timedelta(days=21)),
            ],
        )
        made.append(number)
    return made
