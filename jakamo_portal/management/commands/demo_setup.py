"""Demo people for every role, the simulated Jakamo network and orders in different states."""

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from common import roles

DEMO_PASSWORD = "demo-pass-2026"
SHIPHERO_SECRET = "shiphero-demo-secret"
DEMO_USERS = [
    ("purchaser", "Pete", "Purchaser", [roles.PURCHASERS]),
    ("seller", "Sam", "Seller", [roles.SALES]),
    ("integrator", "Ida", "Integrator", [roles.INTEGRATION_ADMINS]),
    ("support", "Sue", "Support", [roles.SUPPORT]),
]


class Command(BaseCommand):
    help = "Create demo users for every role and the sandbox's demo network and orders (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000/sandbox/jakamo", help="Where the portal finds the sandbox"
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_setup refuses to run with JAKAMO_ENV=production.")
        with transaction.atomic():
            roles.ensure_roles()
            for username, first, last, groups in DEMO_USERS:
                user, created = User.objects.get_or_create(
                    username=username, defaults={"first_name": first, "last_name": last}
                )
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.save()
                user.groups.set(Group.objects.filter(name__in=groups))
            admin, created = User.objects.get_or_create(
                username="admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "Ada"}
            )
            if created:
                admin.set_password(DEMO_PASSWORD)
                admin.save()
            admin.groups.set(Group.objects.all())

            from sandbox import demo

            portal_integrations(options["base_url"])
            portal_orders()
            network = demo.setup_network()
            made = demo.seed_orders(network)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({len(made)} new sandbox orders)."))
        self.stdout.write("Sign in at http://127.0.0.1:8000/ with password " + DEMO_PASSWORD + " as:")
        for username, first, last, groups in DEMO_USERS:
            self.stdout.write(f"  {username:<11} {first} {last} ({', '.join(groups)})")
        self.stdout.write("  admin       superuser, every role")
        self.stdout.write(
            "Simulated Jakamo at http://127.0.0.1:8000/sandbox/jakamo — basic auth "
            f"{demo.PO.username}/{demo.PO.password} (PO), {demo.SO.username}/{demo.SO.password} (SO), "
            f"{demo.ASN.username}/{demo.ASN.password} (ASN)."
        )
        # The secret is write-only in the portal's forms: without it here nobody could sign a
        # webhook call to the demo's endpoint.
        from mappings.models import Integration

        shiphero = Integration.objects.get(name="ShipHero (demo)")
        self.stdout.write(
            f"ShipHero webhook at http://127.0.0.1:8000{reverse('shiphero_webhook', args=[shiphero.pk])} "
            f"— shared secret {SHIPHERO_SECRET}."
        )


def portal_integrations(base_url: str):
    """The portal's own integrations, pointing at the sandbox, with the mappings the demo orders need."""
    from mappings import services
    from mappings.models import Environment, Integration, Kind, PartnerRole
    from sandbox import demo

    for name, kind, creds in (
        ("Jakamo PO (sandbox)", Kind.PURCHASE_ORDER, demo.PO),
        ("Jakamo SO (sandbox)", Kind.SALES_ORDER, demo.SO),
        ("Jakamo ASN (sandbox)", Kind.ASN, demo.ASN),
    ):
        integration, created = Integration.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "environment": Environment.CUSTOM,
                "base_url": base_url,
                "username": creds.username,
                "password": creds.password,
                "poll_interval": 60,
                "buyer_party_id": "NORDIC" if kind == Kind.PURCHASE_ORDER else "",
            },
        )
        if not created:
            continue
        if kind in (Kind.PURCHASE_ORDER, Kind.ASN):
            for identifier, company in demo.SUPPLIERS.items():
                services.save_company_mapping(integration=integration, identifier=identifier, company_name=company)
            services.save_user_mapping(
                integration=integration, identifier="bertha", portal_user=User.objects.get(username="purchaser")
            )
        else:
            for identifier, company in demo.CUSTOMERS.items():
                services.save_company_mapping(
                    integration=integration, identifier=identifier, company_name=company, role=PartnerRole.CUSTOMER
                )
            services.save_user_mapping(
                integration=integration,
                identifier="sam",
                portal_user=User.objects.get(username="seller"),
                is_default=True,
            )
    Integration.objects.get_or_create(
        name="ShipHero (demo)",
        defaults={"kind": Kind.SHIPHERO, "webhook_secret": SHIPHERO_SECRET, "shop_name": "*"},
    )


def portal_orders():
    """The demo purchase orders as the portal sent them. The sandbox is not running yet, so the
    Order is handed to it directly (sandbox.demo.seed_orders) and the outbox row recorded as sent."""
    from exchange import transitions
    from exchange.models import OutboxMessage
    from mappings.models import Integration
    from orders.models import PurchaseOrder
    from orders.purchase import services
    from sandbox import demo

    integration = Integration.objects.get(name="Jakamo PO (sandbox)")
    purchaser = User.objects.get(username="purchaser")
    for number, _plan, vendor in demo.DEMO_PURCHASE_ORDERS:
        if PurchaseOrder.objects.filter(integration=integration, order_number=number).exists():
            continue
        services.purchase_order_create(
            integration=integration, document=demo.sample_order(number, vendor_id=vendor), user=purchaser
        )
        for row in OutboxMessage.objects.filter(
            integration=integration, document_key=number, status=OutboxMessage.Status.PENDING
        ):
            transitions.move(
                row,
                OutboxMessage.Status.SENT,
                why="demo_setup placed the order in the sandbox itself",
                via="demo_setup",
                note="Delivered to the sandbox by demo_setup.",
            )
