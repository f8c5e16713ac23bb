"""Parse + deviation of a 500-line OrderResponse, beside the bare lxml parse of the same bytes.

    .venv/bin/python bench/deviation.py [--lines 500] [--repeat 60] [--python-reader]

Target: parse + deviation within 4x the bare parse. Lines are read by the compiled reader where
``make`` built it (jakamo/_ubl_lines.pyx); ``--python-reader`` measures the Python reader instead."""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lxml import etree

from jakamo import ubl, ubl_parse
from jakamo.ubl_build import build_order_document
from jakamo.ubl_parse import parse_order_document
from jakamo.xmlsafe import parse_xml
from orders import deviations


def documents(lines: int) -> tuple[ubl.OrderDocument, bytes]:
    today = date(2027, 1, 1)
    order_lines, response_lines = [], []
    for n in range(1, lines + 1):
        batch = ubl.Delivery(id=f"B-{n}", quantity=ubl.Quantity(Decimal(100), "PCE"), requested_end_date=today)
        price = ubl.Price(ubl.Amount(Decimal(120), "EUR"), ubl.Quantity(Decimal(10), "PCE"))
        item = ubl.Item(
            name=f"Item {n}",
            buyers_item_identification=ubl.ItemIdentification(f"P-{n}"),
            sellers_item_identification=ubl.ItemIdentification(f"S-{n}"),
        )
        order_lines.append(
            ubl.OrderLine(str(n), ubl.Quantity(Decimal(100), "PCE"), deliveries=[batch], price=price, item=item)
        )
        promised = today + timedelta(days=7 if n % 5 == 0 else 0)
        confirmed_batches = [
            ubl.Delivery(
                id=f"B-{n}",
                quantity=ubl.Quantity(Decimal(100 if n % 7 else 60)),
                promised_start_date=promised,
                promised_end_date=promised,
                status="Open",
            )
        ]
        if n % 7 == 0:
            confirmed_batches.append(
                ubl.Delivery(
                    id=f"B-{n}.1",
                    quantity=ubl.Quantity(Decimal(40)),
                    promised_end_date=today + timedelta(days=30),
                    status="Open",
                )
            )
        conf_price = ubl.Price(ubl.Amount(Decimal(130 if n % 3 == 0 else 120), "EUR"), ubl.Quantity(Decimal(10)))
        response_lines.append(
            ubl.OrderLine(
                str(n),
                ubl.Quantity(Decimal(100)),
                line_status_code=ubl.CONFIRMED_WITH_CHANGES,
                deliveries=confirmed_batches,
                price=conf_price,
                item=item,
            )
        )
    order = ubl.OrderDocument(kind=ubl.ORDER, id="BENCH", issue_date=today, lines=order_lines)
    response = ubl.OrderDocument(
        kind=ubl.ORDER_RESPONSE, id="R", issue_date=today, order_reference_id="BENCH", lines=response_lines
    )
    return order, build_order_document(response)


def once(func) -> tuple[float, int]:
    """One timed call, run right after an untimed one of the same step, and the page faults it took.

    A step's first call after a different step finds the memory it needs handed back to the system
    and pays to map it again: the bare parse took 5.6 ms straight after parse + deviation, with some
    1,100 page faults, and 3.2 ms with none after itself. Without the warm-up the bare parse is
    measured cold and everything else warm, which flatters the ratio."""
    func()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    started = time.perf_counter()
    func()
    elapsed = time.perf_counter() - started
    return elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--python-reader", action="store_true", help="read lines in Python even where compiled")
    args = parser.parse_args()
    if args.python_reader:
        ubl_parse.read_lines_compiled = None
    order, response_xml = documents(args.lines)
    bare_parser = etree.XMLParser()
    parsed = parse_order_document(response_xml)

    def full():
        return deviations.compare(order, parse_order_document(response_xml))

    steps = {
        "bare lxml parse": lambda: etree.fromstring(response_xml, bare_parser),
        "parse + deviation engine": full,
        "  hardened parse": lambda: parse_xml(response_xml),
        "  typed reading (incl. parse)": lambda: parse_order_document(response_xml),
        "  deviation engine": lambda: deviations.compare(order, parsed),
    }
    # Interleaved, so that this machine's slow and fast spells fall on every step alike.
    samples = {name: [] for name in steps}
    faults = {name: [] for name in steps}
    for _ in range(args.repeat):
        for name, step in steps.items():
            elapsed, step_faults = once(step)
            samples[name].append(elapsed)
            faults[name].append(step_faults)
    result = full()
    print(f"OrderResponse: {args.lines} lines, {len(response_xml):,} bytes, {len(result.deviations)} deviations found")
    reader = "compiled (jakamo/_ubl_lines)" if ubl_parse.read_lines_compiled is not None else "Python"
    print(f"lines read by the {reader} line reader")
    print(f"{'':30} {'median':>9} {'best':>9} {'faults':>7}   ({args.repeat} interleaved rounds, each warmed up)")
    for name, values in samples.items():
        print(
            f"{name:30} {statistics.median(values) * 1000:6.2f} ms {min(values) * 1000:6.2f} ms "
            f"{statistics.median(faults[name]):7.0f}"
        )
    ratios = [
        ours / bare for ours, bare in zip(samples["parse + deviation engine"], samples["bare lxml parse"], strict=True)
    ]
    print(
        f"ratio: {statistics.median(ratios):.1f}x the bare parse (median of the rounds; "
        f"{min(samples['parse + deviation engine']) / min(samples['bare lxml parse']):.1f}x best to best); "
        "target: within 4x"
    )


if __name__ == "__main__":
    main()
