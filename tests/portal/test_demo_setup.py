from django.contrib.auth.models import User
from django.core.management import call_command

from sandbox.models import Integration, Order, OrderStatus


def test_demo_setup_creates_people_network_and_orders_and_can_run_twice(db, capsys):
    call_command("demo_setup")
    call_command("demo_setup")
    out = capsys.readouterr().out
    assert "demo-pass-2026" in out and "purchaser" in out
    for username, role in [
        ("purchaser", "Purchasers"),
        ("seller", "Sales"),
        ("integrator", "Integration admins"),
        ("support", "Support"),
    ]:
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role] and user.check_password("demo-pass-2026")
    assert Integration.objects.count() == 3
    statuses = set(Order.objects.values_list("status", flat=True))
    assert {
        OrderStatus.WAITING_SUPPLIER,
        OrderStatus.CONFIRMED,
        OrderStatus.WAITING_CUSTOMER,
        OrderStatus.REJECTED,
    } <= statuses
    assert Order.objects.count() == 8
    from mappings.models import Integration as PortalIntegration

    assert sorted(PortalIntegration.objects.values_list("kind", flat=True)) == [
        "asn",
        "purchase_order",
        "sales_order",
        "shiphero",
    ]
    assert PortalIntegration.objects.get(kind="purchase_order").company_mappings.count() == 2
