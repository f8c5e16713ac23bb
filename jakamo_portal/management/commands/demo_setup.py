"""Demo people for every role, the simulated Jakamo network and orders in different states."""

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jakamo_portal import roles

DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = [
    ("purchaser", "Pete", "Purchaser", [roles.PURCHASERS]),
    ("seller", "Sam", "Seller", [roles.SALES]),
    ("integrator", "Ida", "Integrator", [roles.INTEGRATION_ADMINS]),
    ("support", "Sue", "Support", [roles.SUPPORT]),
]


class Command(BaseCommand):
    help = "Create demo users for every role and the sandbox's demo network and orders (idempotent)."

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
