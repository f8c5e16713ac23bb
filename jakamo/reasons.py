"""Jakamo's 400 answers (the tables in section 4 of the PO, SO and ASN documents), each mapped to
a sentence a person can act on. ``explain`` finds the row for an answer body."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from .errors import Explanation


@dataclass(frozen=True)
class Reason:
    code: str
    text: str  # Jakamo's response body (matched case-insensitively, as a prefix-free substring)
    explanation: str
    where: str
    apis: tuple[str, ...]


PO, SO, ASN = "purchase_order", "sales_order", "asn"


def gettext_noop(text: str) -> str:
    """Marks a sentence for the portal's translation catalogue (makemessages finds this name); the
    library has no Django, so the portal translates the sentence when it shows it (``template``)."""
    return text


REASONS: list[Reason] = [
    Reason(
        "authentication_failed",
        "Authentication failed.",
        gettext_noop(
            "Jakamo did not accept the credentials. Check the integration's username and password (or "
            "OAuth2 client id, secret and scope) against Jakamo's Integrations page, and that the "
            "integration uses the authentication method Jakamo expects. Each integration has its own credentials."
        ),
        "Integration credentials",
        (PO, SO, ASN),
    ),
    Reason(
        "no_vendor_mapping",
        "No vendor mapping found",
        gettext_noop(
            "Jakamo has no company mapping for the supplier identifier {vendor_id} "
            "(Order/SellerSupplierParty/Party/PartyIdentification/ID). Add it under Company Strings on "
            "Jakamo's Integrations page, linked to the supplier's Jakamo company."
        ),
        "Order/SellerSupplierParty/Party/PartyIdentification/ID",
        (PO,),
    ),
    Reason(
        "no_buyer_contact",
        "No buyer contact id found or cannot find user mapping.",
        gettext_noop(
            "Jakamo cannot match the buyer contact {buyer_contact_id} "
            "(Order/BuyerCustomerParty/BuyerContact/ID) to a Jakamo user. Add a user mapping for it under "
            "User Strings on Jakamo's Integrations page; the person needs their own Jakamo account."
        ),
        "Order/BuyerCustomerParty/BuyerContact/ID",
        (PO,),
    ),
    Reason(
        "line_missing_quantity",
        "LineItem missing Quantity",
        gettext_noop("A line has no valid Quantity (OrderLine/LineItem/Quantity). Give every line a quantity."),
        "OrderLine/LineItem/Quantity",
        (PO, SO),
    ),
    Reason(
        "price_required",
        "Price\\PriceAmount is required.",
        gettext_noop("A line has no valid price (OrderLine/LineItem/Price/PriceAmount). Give every line a price."),
        "OrderLine/LineItem/Price/PriceAmount",
        (PO, SO),
    ),
    Reason(
        "message_required",
        "Either Order-, OrderChange- or Status-message is required",
        gettext_noop(
            "Jakamo did not recognise the message as an Order, OrderChange or StatusMessage. This usually "
            "means the request reached Jakamo with the wrong credentials or authentication method, or the "
            "body is not one of those documents."
        ),
        "Integration credentials / message body",
        (PO,),
    ),
    Reason(
        "invalid_issue_date",
        "Invalid issue date",
        gettext_noop("The order has no valid IssueDate. Add cbc:IssueDate in the form YYYY-MM-DD."),
        "Order/IssueDate",
        (PO,),
    ),
    Reason(
        "order_exists",
        "An order with the provided order number already exists.",
        gettext_noop(
            "Jakamo already has order {order_number}. An order number can be created only once; to revise "
            "the order send an OrderChange instead."
        ),
        "Order/ID",
        (PO,),
    ),
    Reason(
        "incorrect_order_data",
        "Incorrect order data",
        gettext_noop(
            "A mandatory element or value is missing from the order (for example OrderLine/LineItem/ID). "
            "Check that every line has an ID, quantity and price."
        ),
        "Order",
        (PO,),
    ),
    Reason(
        "no_partner_mapping",
        "No mapping found in partner integration",
        gettext_noop(
            "The supplier {vendor_id} has not mapped your company in their own Jakamo integration. Ask the "
            "supplier to add your company to their integration mappings."
        ),
        "Supplier's Jakamo integration",
        (PO,),
    ),
    Reason(
        "incorrect_order_response",
        "Incorrect order response",
        gettext_noop(
            "The OrderResponse is missing a mandatory element or has it empty. Check that it has the order "
            "reference, parties, and for every line an ID, quantity and price."
        ),
        "OrderResponse",
        (SO,),
    ),
    Reason(
        "cannot_find_order",
        "Cannot find order.",
        gettext_noop(
            "Jakamo has no order {order_number} (OrderResponse/OrderReference/ID). Check that the order you "
            "are confirming exists in Jakamo."
        ),
        "OrderResponse/OrderReference/ID",
        (SO, PO),
    ),
    Reason(
        "no_customer_mapping",
        "No customer mapping found",
        gettext_noop(
            "Jakamo has no company mapping for the customer identifier {customer_id} "
            "(OrderResponse/BuyerCustomerParty/Party/PartyIdentification/ID). Add it under Company Strings "
            "on Jakamo's Integrations page, linked to the customer's Jakamo company."
        ),
        "OrderResponse/BuyerCustomerParty/Party/PartyIdentification/ID",
        (SO,),
    ),
    Reason(
        "seller_contact",
        "Errors in SellerContact element. Missing mapping?",
        gettext_noop(
            "Jakamo cannot match the seller contact {seller_contact_id} "
            "(OrderResponse/SellerSupplierParty/SellerContact/ID) to a Jakamo user. Add a user mapping for "
            "the person who confirms under User Strings on Jakamo's Integrations page."
        ),
        "OrderResponse/SellerSupplierParty/SellerContact/ID",
        (SO,),
    ),
    Reason(
        "cannot_reopen",
        "Order is already received or cancelled",
        gettext_noop(
            "Order {order_number} is already received or cancelled in Jakamo and cannot be reopened. "
            "Discuss the change with the supplier or create a new order."
        ),
        "Order/ID",
        (PO,),
    ),
]

_BY_CODE = {r.code: r for r in REASONS}
_ERROR_TAG = re.compile(r"<\s*error\s*>(.*?)<\s*/\s*error\s*>", re.IGNORECASE | re.DOTALL)


def body_text(body: str) -> str:
    """Jakamo answers plain text or XML with ``<error>`` elements; return the human text."""
    if not body:
        return ""
    errors = _ERROR_TAG.findall(body)
    if errors:
        return " ".join(e.strip() for e in errors)
    stripped = body.strip()
    if stripped.startswith("<"):
        try:
            root = etree.fromstring(
                stripped.encode(), etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            )
            return " ".join(t.strip() for t in root.itertext() if t.strip())
        except etree.XMLSyntaxError:
            pass
    return stripped


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\\", "/")).strip().rstrip(".").lower()


def find(body: str) -> Reason | None:
    text = _norm(body_text(body))
    if not text:
        return None
    for reason in REASONS:
        if _norm(reason.text) in text:
            return reason
    return None


class _Blank(dict):
    def __missing__(self, key):
        return "(not given)"


def explain(body: str, **context) -> Explanation:
    """Explain a 400 answer. ``context`` fills in identifiers (vendor_id, order_number, ...)."""
    reason = find(body)
    if reason is None:
        text = body_text(body) or "(empty answer)"
        return Explanation("unknown", text, UNKNOWN.format(text=text), params={"text": text})
    values = _Blank({k: f"“{v}”" for k, v in context.items() if v})
    return Explanation(
        reason.code, reason.text, reason.explanation.format_map(values), reason.where, params=dict(values)
    )


UNKNOWN = gettext_noop(
    "Jakamo refused the message: “{text}”. This answer is not in Jakamo's documented list; check the message "
    "against the reference documents or ask Jakamo support."
)
NOT_FOUND = gettext_noop("{url} was not found (404). Check the integration's base URL and endpoint paths.")


def template(code: str) -> str | None:
    """The English sentence (``str.format`` fields) for an explanation's code; None for a code this
    table does not have. Missing fields read "(not given)", as ``explain`` fills them."""
    if code == "unknown":
        return UNKNOWN
    if code == "not_found":
        return NOT_FOUND
    reason = _BY_CODE.get(code)
    return reason.explanation if reason else None


def fill(sentence: str, params: dict) -> str:
    return sentence.format_map(_Blank(params))


def by_code(code: str) -> Reason:
    return _BY_CODE[code]
