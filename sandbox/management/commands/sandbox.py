"""Drive the simulated Jakamo from scripts: play the other party, inject faults, fire webhooks.

Examples:
    manage.py sandbox orders
    manage.py sandbox confirm DEMO-1001
    manage.py sandbox confirm-changes DEMO-1001 --lines 1 --quantity 80 --promised-date 2026-12-24
    manage.py sandbox confirm-changes DEMO-1001 --lines 2 --new-batches "30@2027-01-10;20@2027-02-01"
    manage.py sandbox confirm-partial DEMO-1001 --lines 2
    manage.py sandbox deliver DEMO-1002 --tracking JJFI1
    manage.py sandbox customer-order --supplier so-nordic --customer "Customer Company AB" --quantity 10
    manage.py sandbox fault error_500 --count 3
    manage.py sandbox fault error_503 --probability 0.3 --count 100000
    manage.py sandbox webhook po-nordic http://127.0.0.1:8000/hooks/jakamo/1/ --basic USER:PASSWORD
    manage.py sandbox fault push_lost --count 1
    manage.py sandbox fault error_429 --retry-after 120
    manage.py sandbox shiphero http://127.0.0.1:8000/webhooks/shiphero/1 --secret s3cret --order-id 123 --line ref-1
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jakamo.errors import DocumentError
from sandbox import party, push, services
from sandbox.models import Fault, Integration, Order

ORDER_ACTIONS = {
    "confirm": "confirm",
    "confirm-changes": "confirm_changes",
    "confirm-partial": "confirm_partial",
    "confirm-draft": "confirm_draft",
    "reject": "reject",
    "deliver": "deliver",
    "dispatch-asn": "dispatch_asn",
    "customer-change": "customer_change",
    "customer-cancel": "customer_cancel",
    "customer-cancel-lines": "customer_cancel_lines",
    "customer-accept": "customer_accept",
}


def _batches(text: str):
    batches = []
    for part in filter(None, (p.strip() for p in (text or "").split(";"))):
        qty, _, when = part.partition("@")
        batches.append((Decimal(qty), date.fromisoformat(when)))
    return batches


class Command(BaseCommand):
    help = "Play the other party in the Jakamo sandbox (see the module docstring for examples)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("orders", help="List the sandbox's orders and their status")
        for verb in ORDER_ACTIONS:
            p = sub.add_parser(verb)
            p.add_argument("order_number")
            p.add_argument("--buyer", help="Buyer company, when the order number is not unique")
            p.add_argument("--lines", default="", help="Line ids, comma separated")
            p.add_argument("--quantity", type=Decimal)
            p.add_argument("--unit-price", type=Decimal)
            p.add_argument("--promised-date", type=date.fromisoformat)
            p.add_argument("--new-batches", default="", help="quantity@YYYY-MM-DD;...")
            p.add_argument("--tracking", default="")
            p.add_argument("--note", default="")
        p = sub.add_parser("customer-order", help="A customer places an order in a SO queue")
        p.add_argument("--supplier", required=True, help="The SO integration's username")
        p.add_argument("--customer", required=True, help="The customer company (mapped in the SO integration)")
        p.add_argument("--order-number", default="")
        p.add_argument("--item", default="HEX HEAD SCREW M16x80mm")
        p.add_argument("--quantity", type=Decimal, default=Decimal(100))
        p.add_argument("--unit-price", type=Decimal, default=Decimal("12.00"))
        p.add_argument("--lines", type=int, default=1)
        p.add_argument("--days", type=int, default=21, help="Requested delivery in this many days")
        p = sub.add_parser("fault", help="Arm a fault for the next N requests")
        p.add_argument("kind", choices=Fault.Kind.values)
        p.add_argument("--count", type=int, default=1)
        p.add_argument("--probability", type=float, help="Each matching request with this chance, up to --count times")
        p.add_argument("--integration", help="Username; default every integration")
        p.add_argument("--retry-after", default="", help="error_429/error_503: Retry-After, seconds or an HTTP-date")
        sub.add_parser("clear-faults")
        p = sub.add_parser("webhook", help="Jakamo's webhook form: push an integration's queued messages to a URL")
        p.add_argument("integration", help="The sandbox integration's username, e.g. po-nordic")
        p.add_argument("url", nargs="?", default="", help="Payload URL; leave out to switch the webhook off")
        p.add_argument("--basic", metavar="USER:PASSWORD", default="")
        p.add_argument("--oauth2", nargs=3, metavar=("TOKEN_URL", "CLIENT_ID", "CLIENT_SECRET"))
        p.add_argument("--keep-in-queue", action="store_true", help='"Remove entry from queue on success" off')
        p = sub.add_parser("shiphero", help="Fire a signed ShipHero Shipment ASN webhook")
        p.add_argument("url")
        p.add_argument("--secret", required=True)
        p.add_argument("--kind", choices=["courier", "freight"], default="courier")
        p.add_argument("--order-id", required=True)
        p.add_argument("--line", action="append", required=True, help="partner_line_item_id[=quantity]")
        p.add_argument("--not-shipped", action="store_true")
        p.add_argument("--trading-partner", default="some-retailer")

    def handle(self, *args, verb, **opts):
        if not settings.SANDBOX_ENABLED:
            raise CommandError("The sandbox is disabled; set JAKAMO_SANDBOX_ENABLED=true.")
        try:
            self._handle(verb, opts)
        except (party.PartyActionError, DocumentError, ValueError) as exc:
            raise CommandError(str(exc)) from exc

    def _handle(self, verb, opts):
        if verb == "orders":
            for order in Order.objects.order_by("created_at"):
                self.stdout.write(
                    f"{order.order_number:<20} {order.status:<36} {order.buyer_company} → {order.supplier_company}"
                )
            return
        if verb in ORDER_ACTIONS:
            orders = Order.objects.filter(order_number=opts["order_number"])
            if opts.get("buyer"):
                orders = orders.filter(buyer_company=opts["buyer"])
            if orders.count() != 1:
                raise CommandError(f"{orders.count()} sandbox orders numbered {opts['order_number']}; use --buyer.")
            data = {
                "action": ORDER_ACTIONS[verb],
                "lines": [x.strip() for x in opts["lines"].split(",") if x.strip()],
                "quantity": opts["quantity"],
                "unit_price": opts["unit_price"],
                "promised_date": opts["promised_date"],
                "new_batches": _batches(opts["new_batches"]),
                "tracking_number": opts["tracking"],
                "note": opts["note"],
            }
            order = party.perform_action(orders.get(), data)
            order.refresh_from_db()
            self.stdout.write(self.style.SUCCESS(f"{order.order_number}: {order.status}"))
            return
        if verb == "customer-order":
            supplier = Integration.objects.filter(username=opts["supplier"]).first()
            if supplier is None:
                raise CommandError(f"No sandbox integration {opts['supplier']}.")
            line = party.CustomerLine(
                opts["item"], opts["quantity"], opts["unit_price"], date.today() + timedelta(days=opts["days"])
            )
            order = party.customer_place_order(
                supplier,
                customer_company=opts["customer"],
                order_number=opts["order_number"],
                lines=[line] * opts["lines"],
            )
            self.stdout.write(self.style.SUCCESS(f"Customer order {order.order_number} queued for {supplier.company}."))
            return
        if verb == "fault":
            integration = None
            if opts["integration"]:
                integration = Integration.objects.filter(username=opts["integration"]).first()
                if integration is None:
                    raise CommandError(f"No sandbox integration {opts['integration']}.")
            try:
                fault = services.add_fault(
                    opts["kind"], opts["count"], integration, opts["probability"], opts["retry_after"]
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(self.style.SUCCESS(f"Armed {fault}."))
            return
        if verb == "webhook":
            integration = Integration.objects.filter(username=opts["integration"]).first()
            if integration is None:
                raise CommandError(f"No sandbox integration {opts['integration']}.")
            user, _, password = opts["basic"].partition(":")
            token_url, client_id, client_secret = opts["oauth2"] or ("", "", "")
            push.configure(
                integration,
                opts["url"],
                auth="oauth2" if opts["oauth2"] else "basic",
                username=user,
                password=password,
                token_url=token_url,
                client_id=client_id,
                client_secret=client_secret,
                remove_on_success=not opts["keep_in_queue"],
            )
            state = f"pushes to {opts['url']}" if opts["url"] else "pushes nothing"
            self.stdout.write(self.style.SUCCESS(f"{integration.username} {state}."))
            return
        if verb == "clear-faults":
            Fault.objects.all().delete()
            self.stdout.write(self.style.SUCCESS("Faults cleared."))
            return
        if verb == "shiphero":
            items = []
            for n, spec in enumerate(opts["line"], 1):
                ref, _, qty = spec.partition("=")
                items.append(
                    {
                        "order_line_item_id": n,
                        "partner_line_item_id": ref,
                        "sku": ref,
                        "name": ref,
                        "quantity": int(qty or 1),
                    }
                )
            payload = party.shiphero_payload(
                kind=opts["kind"],
                order_id=opts["order_id"],
                line_items=items,
                shipped=not opts["not_shipped"],
                trading_partner_name=opts["trading_partner"],
            )
            hook = party.fire_shiphero_webhook(opts["url"], opts["secret"], payload)
            self.stdout.write(f"{hook.status or 'no answer'} {hook.answer[:300]}")
            if hook.status != 200:
                raise CommandError("The webhook was not accepted.")
