"""Every page from a 390 px phone to a wide screen, by keyboard: the admin's navigation fits the
header at 1366 px without pushing "Sign out" out of sight, folds behind a Menu button at 390 px
that works with the keyboard, the first Tab offers a skip link to the content, and no page scrolls
sideways. Runs on make demo's data."""

import pytest

from tests.browser.a11y import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["/", "/orders/purchase/", "/orders/purchase/review/", "/orders/sales/", "/messages/", "/sandbox/"]


def detail_pages() -> list[str]:
    """One page of each kind with a form or a wide table: an order of each side, a shipment, an
    integration, a message, the sandbox's order."""
    from exchange.models import InboxMessage
    from mappings.models import Integration
    from orders.models import PurchaseOrder, SalesOrder
    from sandbox.models import Order
    from shipments.models import Shipment

    found = [
        PurchaseOrder.objects.get(order_number="DEMO-1002").get_absolute_url(),
        SalesOrder.objects.order_by("pk").first().get_absolute_url(),
        Integration.objects.get(name="Jakamo SO (sandbox)").get_absolute_url(),
        InboxMessage.objects.order_by("pk").first().get_absolute_url(),
        f"/sandbox/orders/{Order.objects.order_by('pk').first().pk}/",
    ]
    shipment = Shipment.objects.order_by("pk").first()
    return found + ([shipment.get_absolute_url()] if shipment else [])


def fully_inside(inner, outer) -> bool:
    a, b = inner.bounding_box(), outer.bounding_box()
    return (
        a["x"] >= b["x"] - 0.5
        and a["y"] >= b["y"] - 0.5
        and a["x"] + a["width"] <= b["x"] + b["width"] + 0.5
        and a["y"] + a["height"] <= b["y"] + b["height"] + 0.5
    )


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_header_holds_the_admins_navigation_at_1366(demo_data, page, artifacts, sign_in_as):
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in_as(page, demo_data, "admin")
    header = page.locator("header.top")
    assert fully_inside(page.locator("#sign-out"), header)
    assert page.locator("#sign-out").is_visible()
    links = page.locator("nav.main a")
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1, "the navigation wraps onto a second row"
    assert no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / "header-admin-1366.png"))


def test_every_page_works_at_390_with_the_keyboard(demo_data, page, artifacts, sign_in_as):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_as(page, demo_data, "admin")
    # The first Tab reaches the skip link, and it takes the focus past the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The navigation is folded behind the Menu button; the keyboard opens and closes it.
    nav, toggle = page.locator("nav.main"), page.locator(".menu-toggle")
    assert not nav.is_visible() and toggle.is_visible()
    toggle.focus()
    page.keyboard.press("Enter")
    assert nav.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    page.screenshot(path=str(artifacts / "menu-open-390.png"), full_page=True)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('nav') !== null")
    page.keyboard.press("Escape")
    assert not nav.is_visible() and page.evaluate("document.activeElement.className") == "menu-toggle"
    for path in PAGES + detail_pages():
        page.goto(demo_data + path)
        assert fully_inside(page.locator("#sign-out"), page.locator("header.top")), path
        assert no_sideways_scroll(page), f"{path} scrolls sideways at 390 px"
        assert_accessible(page, f"{path} at 390 px")
    page.screenshot(path=str(artifacts / "sandbox-390.png"), full_page=True)
