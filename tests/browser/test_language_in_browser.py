"""A purchaser switches the portal to Finnish: the page, its numbers and dates follow, the choice
is kept for the next sign-in, and switching back works."""

from datetime import date

import pytest

from tests.helpers import order_with_confirmation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, url):
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", "purchaser")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")


def test_switching_to_finnish_and_back(live_server, page, purchaser, artifacts):
    order, _ = order_with_confirmation("FI-1", purchaser)
    sign_in(page, live_server.url)
    assert page.locator("h2", has_text="Purchasing").is_visible()
    page.select_option("#language", "fi")
    page.click("#language-save")
    page.locator("h2", has_text="Osto").wait_for()
    assert page.locator("html").get_attribute("lang") == "fi"
    assert page.locator("#fig-review .label").inner_text() == "Tarkastusta odottavat vahvistukset"
    assert page.locator("nav.main").inner_text().startswith("Etusivu")
    page.screenshot(path=str(artifacts / "home-in-finnish.png"), full_page=True)

    page.goto(f"{live_server.url}{order.get_absolute_url()}")
    today = date.today()
    assert f"{today.day}.{today.month}.{today.year}" in page.content()  # Finnish dates
    table = page.locator("table").first.inner_text()
    assert "," in table.split("Tilattu arvo")[1].split("\n")[0]  # decimal comma in the value

    # The choice belongs to the person: a new session starts in Finnish.
    page.context.clear_cookies()
    sign_in(page, live_server.url)
    page.locator("h2", has_text="Osto").wait_for()
    page.select_option("#language", "en")
    page.click("#language-save")
    page.locator("h2", has_text="Purchasing").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
