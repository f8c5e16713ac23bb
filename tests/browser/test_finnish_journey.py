"""The portal in Finnish from end to end, on make demo's data, at a wide screen (1366 px) and a
phone's (390 px): home, an order, the review page, receiving goods (the date keeps its default),
the integration page. No English sentence the services make shows (deviation sentences, line
statuses, deviation and mapping labels), "Kirjaudu ulos" is whole inside the header, and the phone
never scrolls sideways. Screenshots in test-artifacts/; axe-core on every page.

Needs the Finnish catalogue with this work's texts (/tmp/fi-finnish.json merged by the lead)."""

from datetime import date

import pytest

from mappings.models import Integration
from orders.models import OrderStatus, PurchaseOrder
from tests.browser.a11y import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# English the services and forms produce, which a Finnish page must not show.
ENGLISH = [
    "Line 1",
    "Line 2",
    "confirmed, ",
    "days later than requested",
    "the supplier added batch",
    "Confirmed with changes",
    "awaiting decision",
    "added by supplier",
    "Batch added by the supplier",
    "Unit price",
    "Delivery date",
    "Accept line",
    "Our identifier",
    "External field",
    "Compound rule member",
    "Received date",
]


def inside(page, selector: str, container: str) -> bool:
    a, b = page.locator(selector).bounding_box(), page.locator(container).bounding_box()
    return (
        a["x"] >= b["x"] - 0.5
        and a["y"] >= b["y"] - 0.5
        and a["x"] + a["width"] <= b["x"] + b["width"] + 0.5
        and a["y"] + a["height"] <= b["y"] + b["height"] + 0.5
    )


def check(page, width: int, name: str, artifacts):
    text = page.locator("body").inner_text()
    assert not [e for e in ENGLISH if e in text], f"{name}: English on a Finnish page"
    assert page.locator("html").get_attribute("lang") == "fi"
    assert page.locator("#sign-out").inner_text() == "Kirjaudu ulos"
    assert inside(page, "#sign-out", "header.top"), f"{name}: Kirjaudu ulos is cut off"
    if width == 390:
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), (
            f"{name} scrolls sideways at 390 px"
        )
    page.screenshot(path=str(artifacts / f"fi-{name}-{width}.png"), full_page=True)
    assert_accessible(page, f"{name} in Finnish at {width} px")


@pytest.mark.parametrize("width", [1366, 390])
def test_the_portal_in_finnish(demo_data, page, artifacts, sign_in_as, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_as(page, demo_data, "admin")
    page.select_option("#language", "fi")
    page.click("#language-save")
    page.locator("h2", has_text="Osto").wait_for()
    check(page, width, "home", artifacts)

    changed = PurchaseOrder.objects.get(order_number="DEMO-1003")  # the supplier's changes await review
    page.goto(demo_data + changed.get_absolute_url())
    assert "Vahvistettu muutoksin" in page.locator("#lines").inner_text()
    check(page, width, "order", artifacts)

    confirmation = changed.confirmations.get()
    page.goto(f"{demo_data}/orders/purchase/{changed.pk}/confirmations/{confirmation.version}/")
    deviations = page.locator("ul.deviations").inner_text()
    assert "Toimittajan lisäämä erä" in deviations and "Rivi 2: vahvistettu yksikköhinta 13,5" in deviations
    check(page, width, "review", artifacts)

    confirmed = PurchaseOrder.objects.get(order_number="DEMO-1002")
    page.goto(demo_data + confirmed.get_absolute_url())
    received_date = page.locator("#id_received_date")
    assert received_date.input_value() == date.today().isoformat()  # the default survives Finnish
    check(page, width, "receive", artifacts)
    if width == 1366:
        batch = confirmed.lines.order_by("line_id").first().batches.first()
        page.fill(f"#id_qty_{batch.pk}", "10")
        page.locator("#receive button[type=submit]").click()
        page.locator(".messages li", has_text="Vastaanotettu").wait_for()
        assert PurchaseOrder.objects.get(pk=confirmed.pk).status == OrderStatus.STARTED_RECEIVING
        check(page, width, "received", artifacts)

    integration = Integration.objects.get(name="Jakamo PO (sandbox)")
    page.goto(demo_data + integration.get_absolute_url())
    assert "Oma tunnisteemme" in page.locator("main").inner_text()
    check(page, width, "integration", artifacts)
