from jakamo.ubl_build import build_order_document
from sandbox import demo, party, services


def queue_confirmations(network, count: int, prefix: str = "D") -> list[str]:
    """``count`` OrderResponses waiting in the sandbox PO queue, in order."""
    numbers = []
    for n in range(count):
        number = f"{prefix}-{n:04d}"
        order = services.receive_po_document(network["po"], build_order_document(demo.sample_order(number, lines=1)))
        party.supplier_confirm(order)
        numbers.append(number)
    return numbers
