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
    from orders.models import PurchaseOrder

    assert PurchaseOrder.objects.count() == 6


def test_the_demo_orders_reach_their_states_once_the_queues_are_synced(live_server, settings):
    from exchange import inbox
    from mappings.models import Integration as PortalIntegration
    from orders.models import OrderStatus as PortalStatus
    from orders.models import PurchaseOrder

    call_command("demo_setup", base_url=f"{live_server.url}/sandbox/jakamo")
    for integration in PortalIntegration.objects.exclude(kind="shiphero"):
        assert inbox.sync(integration.pk).status == "done"
    statuses = dict(PurchaseOrder.objects.values_list("order_number", "status"))
    assert statuses == {
        "DEMO-1001": PortalStatus.WAITING_SUPPLIER,
        "DEMO-1002": PortalStatus.CONFIRMED,
        "DEMO-1003": PortalStatus.WAITING_CUSTOMER,
        "DEMO-1004": PortalStatus.WAITING_SUPPLIER,
        "DEMO-1005": PortalStatus.REJECTED,
        "DEMO-1006": PortalStatus.CONFIRMED,
    }
    assert PurchaseOrder.objects.get(order_number="DEMO-1006").lines.get(line_id="1").tracking_number == "JJFI123456789"
