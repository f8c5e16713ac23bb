# cython: language_level=3
"""Order lines read straight from libxml2's tree: the same reading as ``ubl_parse._Reader.order_line``.

Why compiled: a 500-line OrderResponse has some 12,000 elements, and lxml makes a Python object and
a tag string for every element the Python reader visits; that walk alone costs more than parsing
the document. Here children are matched by the local name libxml2 keeps in the node, and Python
objects are made only for the values read.

The Python reader stays the reference and the fallback (``ubl_parse`` uses it when this module is
not built or was built from another version of this file). Anything that is not a plain value goes
back to it on an lxml element made for the node: a number or date it cannot read (so that the
problem and its wording come from one place), parties, locations, allowance charges and document
references. The tests read every fixture and generated documents both ways and require the same
documents and the same problems."""

from libc.string cimport strcmp

cimport lxml.includes.etreepublic as cetree
from lxml.includes.tree cimport XML_ELEMENT_NODE, xmlNode

from jakamo import ubl

cetree.import_lxml__etree()

cdef extern from *:
    """
    #ifndef JAKAMO_SOURCE_SHA256
    #define JAKAMO_SOURCE_SHA256 ""
    #endif
    """
    const char* JAKAMO_SOURCE_SHA256

# The SHA-256 of the .pyx this module was compiled from (given by jakamo/build_speedups.py):
# ubl_parse refuses a module built from another version of the source.
SOURCE_SHA256 = (<bytes>JAKAMO_SOURCE_SHA256).decode("ascii")

cdef object _Quantity = ubl.Quantity
cdef object _Amount = ubl.Amount
cdef object _Price = ubl.Price
cdef object _Delivery = ubl.Delivery
cdef object _Item = ubl.Item
cdef object _ItemIdentification = ubl.ItemIdentification
cdef object _TaxCategory = ubl.TaxCategory
cdef object _OrderLine = ubl.OrderLine
cdef object _normalise_status = ubl.normalise_status
cdef object _number = None  # ubl_parse._number and _date_of, bound on first use (ubl_parse imports us)
cdef object _date_of = None


cdef inline bint _is(xmlNode* node, const char* name) noexcept:
    return node.type == XML_ELEMENT_NODE and strcmp(<const char*>node.name, name) == 0


cdef inline xmlNode* _first(xmlNode* parent, const char* name) noexcept:
    """The first child element called ``name`` (ubl_parse._first_children(parent).get(name))."""
    cdef xmlNode* child
    if parent is NULL:
        return NULL
    child = parent.children
    while child is not NULL:
        if _is(child, name):
            return child
        child = child.next
    return NULL


cdef inline object _text(xmlNode* node):
    """ubl_parse._text: the element's text, stripped; empty or missing is None."""
    if node is NULL:
        return None
    text = cetree.textOf(node)
    if text is None:
        return None
    return text.strip() or None


cdef class _Lines:
    """One document's lines: the Python reader (it collects the problems) and lxml's document."""

    cdef object reader
    cdef cetree._Document doc

    def __cinit__(self, reader, cetree._Document doc):
        self.reader = reader
        self.doc = doc

    cdef object element(self, xmlNode* node):
        return cetree.elementFactory(self.doc, node)

    cdef object value(self, xmlNode* node, object convert, str method):
        """A number or date read with ``convert`` (ubl_parse._number, _date_of); what it cannot
        read goes to the Python reader's ``method``, which reports the problem."""
        raw = _text(node)
        if raw is None:
            return None
        value = convert(raw)
        if value is None or type(value) is str:
            return getattr(self.reader, method)(self.element(node))
        return value

    cdef object decimal(self, xmlNode* node):
        return self.value(node, _number, "decimal")

    cdef object date(self, xmlNode* node):
        return self.value(node, _date_of, "date")

    cdef object quantity(self, xmlNode* node):
        value = self.decimal(node)
        if value is None:
            return None
        return _Quantity(value, cetree.attributeValueFromNsName(node, NULL, <const unsigned char*>"unitCode") or None)

    cdef object amount(self, xmlNode* node):
        value = self.decimal(node)
        if value is None:
            return None
        return _Amount(value, cetree.attributeValueFromNsName(node, NULL, <const unsigned char*>"currencyID") or None)

    cdef list references(self, xmlNode* parent, const char* name):
        """Reader.document_references over the children called ``name``."""
        cdef xmlNode* child = parent.children
        refs = []
        while child is not NULL:
            if _is(child, name):
                ref = self.reader.document_reference(self.element(child))
                if ref is not None:
                    refs.append(ref)
            child = child.next
        return refs

    cdef object item_identification(self, xmlNode* node):
        if node is NULL:
            return None
        value = _text(_first(node, "ID"))
        if value is None:
            return None
        return _ItemIdentification(value, _text(_first(node, "ExtendedID")))

    cdef object delivery(self, xmlNode* node):
        cdef xmlNode* child = node.children
        cdef xmlNode* location = _first(node, "DeliveryLocation")
        cdef xmlNode* requested = _first(node, "RequestedDeliveryPeriod")
        cdef xmlNode* promised = _first(node, "PromisedDeliveryPeriod")
        status = None
        while child is not NULL:
            # Jakamo's batch status: the last reference with DocumentTypeCode JDS.
            if _is(child, "AdditionalDocumentReference") and _text(_first(child, "DocumentTypeCode")) == "JDS":
                status = _text(_first(child, "ID")) or ""
            child = child.next
        # In the order the Python reader reads them, so that problems are reported in its order.
        batch_quantity = self.quantity(_first(node, "Quantity"))
        return _Delivery(
            id=_text(_first(node, "ID")),
            quantity=batch_quantity,
            document_references=self.references(node, "DocumentReference"),
            delivery_location=self.reader.location(self.element(location)) if location is not NULL else None,
            requested_start_date=self.date(_first(requested, "StartDate")),
            requested_end_date=self.date(_first(requested, "EndDate")),
            promised_start_date=self.date(_first(promised, "StartDate")),
            promised_end_date=self.date(_first(promised, "EndDate")),
            requested_despatch_date=self.date(_first(_first(node, "Despatch"), "RequestedDespatchDate")),
            status=status,
        )

    cdef object item(self, xmlNode* node):
        cdef xmlNode* tax
        cdef xmlNode* party
        if node is NULL:
            return None
        tax = _first(node, "ClassifiedTaxCategory")
        tax_category = None
        if tax is not NULL:
            tax_category = _TaxCategory(self.decimal(_first(tax, "Percent")), _text(_first(_first(tax, "TaxScheme"), "ID")))
        party = _first(node, "ManufacturerParty")
        return _Item(
            description=_text(_first(node, "Description")),
            name=_text(_first(node, "Name")),
            buyers_item_identification=self.item_identification(_first(node, "BuyersItemIdentification")),
            sellers_item_identification=self.item_identification(_first(node, "SellersItemIdentification")),
            manufacturers_item_identification=self.item_identification(
                _first(node, "ManufacturersItemIdentification")
            ),
            specification_references=self.references(node, "ItemSpecificationDocumentReference"),
            classified_tax_category=tax_category,
            manufacturer_party=self.reader.party(self.element(party)) if party is not NULL else None,
        )

    cdef object line(self, xmlNode* node):
        cdef xmlNode* line_item = _first(node, "LineItem")
        cdef xmlNode* price
        cdef xmlNode* child
        line_id = _text(_first(line_item, "ID"))
        if line_id is None:
            # The Python reader reports the missing LineItem or ID, in its words.
            return self.reader.order_line(self.element(node))
        price = _first(line_item, "Price")
        line_price = None
        if price is not NULL:
            line_price = _Price(
                amount=self.amount(_first(price, "PriceAmount")),
                base_quantity=self.quantity(_first(price, "BaseQuantity")),
                orderable_unit_factor_rate=self.decimal(_first(price, "OrderableUnitFactorRate")),
            )
        line_quantity = self.quantity(_first(line_item, "Quantity"))
        notes = []
        child = node.children
        while child is not NULL:
            if _is(child, "Note"):
                note = _text(child)
                if note:
                    notes.append(note)
            child = child.next
        line_status = _normalise_status(_text(_first(line_item, "LineStatusCode")))
        line_extension = self.amount(_first(line_item, "LineExtensionAmount"))
        deliveries = []
        allowance_charges = []
        child = line_item.children
        while child is not NULL:
            if _is(child, "Delivery"):
                deliveries.append(self.delivery(child))
            child = child.next
        child = line_item.children
        while child is not NULL:
            if _is(child, "AllowanceCharge"):
                allowance_charges.append(self.reader.allowance_charge(self.element(child)))
            child = child.next
        return _OrderLine(
            id=line_id,
            quantity=line_quantity,
            notes=notes,
            line_status_code=line_status,
            line_extension_amount=line_extension,
            deliveries=deliveries,
            allowance_charges=allowance_charges,
            price=line_price,
            item=self.item(_first(line_item, "Item")),
            document_references=self.references(node, "DocumentReference"),
        )


def read_lines(reader, list elements):
    """``reader.order_line`` for each OrderLine element of one document, in order."""
    global _number, _date_of
    cdef cetree._Element element
    if _number is None:
        from jakamo.ubl_parse import _date_of as date_of, _number as number

        _number, _date_of = number, date_of
    if not elements:
        return []
    lines = _Lines(reader, (<cetree._Element?>elements[0])._doc)
    result = []
    for element in elements:
        result.append(lines.line(element._c_node))
    return result
