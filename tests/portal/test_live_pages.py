"""Pages that update themselves (issue #26): each list, the order page, the review queue and the
integration page poll their own address with htmx and change only when what they show changed."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from common import live
from exchange import selectors, tasks
from exchange.models import SyncState
from tests.helpers import acknowledged_message, buyer_integration, order_with_confirmation

ROOT = Path(settings.BASE_DIR)


def version_of(page: str) -> str:
    return re.search(r'<div id="live"[^>]* data-live-version="([0-9a-f]+)"', page).group(1)


def stamp_of(page: str) -> str:
    return re.search(r'<div id="live"[^>]* data-live-stamp="([0-9-]*)"', page).group(1)


def poll(client, url: str, version: str, stamp: str = ""):
    return client.get(url, HTTP_HX_REQUEST="true", HTTP_X_LIVE_VERSION=version, HTTP_X_LIVE_STAMP=stamp)


@pytest.fixture
def order(purchaser):
    order, _ = order_with_confirmation("LV-1", purchaser)
    return order


PAGES = {
    "purchase orders": ("support", lambda o: reverse("orders:purchase_list")),
    "sales orders": ("support", lambda o: reverse("orders:sales_list")),
    "message history": ("support", lambda o: reverse("exchange:message_list") + "?direction=in"),
    "shipments": ("support", lambda o: reverse("shipments:list")),
    "the order page": ("support", lambda o: o.get_absolute_url()),
    "the review queue": ("purchaser", lambda o: reverse("orders:review_queue")),
    "the integration page": (
        "integration_admin",
        lambda o: reverse("mappings:integration_detail", args=[o.integration_id]),
    ),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_page_polls_its_own_address_and_shows_when_it_was_updated(request, client, order, name):
    person, url_of = PAGES[name]
    client.force_login(request.getfixturevalue(person))
    url = url_of(order)
    page = client.get(url).content.decode()
    region = re.search(r'<div id="live"[^>]*>', page).group(0)
    assert f'hx-get="{url.replace("&", "&amp;")}"' in region
    assert 'hx-select="#live"' in region and 'hx-swap="outerHTML"' in region
    assert 'hx-trigger="every 5s [window.portalLive &amp;&amp; portalLive.idle()]"' in region
    assert re.search(r'<p class="live-mark">updated <time datetime="[^"]+">\d\d:\d\d:\d\d</time></p>', page)
    # Asked again with the version it shows: nothing changed, nothing to swap.
    again = poll(client, url, version_of(page))
    assert again.status_code == 204 and again.content == b""


def test_a_page_asked_again_after_something_arrived_brings_it_with_a_new_version(client, support, order):
    client.force_login(support)
    url = order.get_absolute_url()
    page = client.get(url).content.decode()
    assert "StatusMessage Delivered" not in page
    acknowledged_message(order.integration, b"<d/>", document_type="StatusMessage Delivered", document_key="LV-1")
    fresh = poll(client, url, version_of(page))
    assert fresh.status_code == 200
    assert "StatusMessage Delivered" in fresh.content.decode()
    assert version_of(fresh.content.decode()) != version_of(page)
    assert poll(client, url, version_of(fresh.content.decode())).status_code == 204


def test_the_lists_bring_a_new_message_and_a_new_order(client, support, purchaser, order):
    client.force_login(support)
    messages_page = client.get("/messages/").content.decode()
    orders_page = client.get(reverse("orders:purchase_list")).content.decode()
    order_with_confirmation("LV-2", purchaser)
    assert "LV-2" in poll(client, "/messages/", version_of(messages_page)).content.decode()
    assert "LV-2" in poll(client, reverse("orders:purchase_list"), version_of(orders_page)).content.decode()


def test_the_forms_csrf_tokens_do_not_count_as_a_change(client, purchaser, order):
    # The order page holds forms whose CSRF token is masked afresh on every render.
    client.force_login(purchaser)
    page = client.get(order.get_absolute_url()).content.decode()
    assert page.count("csrfmiddlewaretoken") > 1
    assert live.version('<input name="csrfmiddlewaretoken" value="a">') == live.version(
        '<input name="csrfmiddlewaretoken" value="b">'
    )
    assert poll(client, order.get_absolute_url(), version_of(page)).status_code == 204


def test_only_a_poll_is_answered_with_nothing(client, support, order):
    client.force_login(support)
    url = reverse("orders:purchase_list")
    version = version_of(client.get(url).content.decode())
    # Without HX-Request (a person's own visit, a bookmark) the page is always the whole page.
    assert client.get(url, HTTP_X_LIVE_VERSION=version).status_code == 200
    assert poll(client, url, "0" * 20).status_code == 200


def test_htmx_is_served_from_the_portal_itself_with_its_licence(client, support):
    vendored = ROOT / "static" / "vendor" / "htmx"
    assert (vendored / "htmx.min.js").read_text().startswith("var htmx=function()")
    assert "Zero-Clause BSD" in (vendored / "LICENSE").read_text()
    client.force_login(support)
    page = client.get("/messages/").content.decode()
    assert re.search(r'<script src="/static/vendor/htmx/htmx\.min\.js[^"]*" defer>', page)
    assert re.search(r'<script src="/static/js/live\.js[^"]*" defer>', page)
    assert "unpkg" not in page and "cdn" not in page.lower()


@pytest.mark.parametrize("poll_interval, expected", [(60, 120), (90, 120), (300, 360), (15, 60)])
def test_the_real_sync_interval_is_what_the_schedule_does(db, poll_interval, expected):
    """Tick the schedule minute by minute, each sync ending a few seconds after its tick, and
    measure the time between the syncs it starts: the page's figure must be that."""
    integration = buyer_integration()
    integration.poll_interval = poll_interval
    integration.enabled = True
    integration.save()
    tick = selectors.tick_seconds()
    assert tick == 60  # the jakamo-tick schedule made by exchange's migration
    start = timezone.now().replace(microsecond=0)
    started = []
    for n in range(12):
        now = start + timedelta(seconds=n * tick)
        if integration in tasks.due_integrations(now):
            started.append(now)
            SyncState.objects.update_or_create(
                integration=integration, defaults={"last_sync_at": now + timedelta(seconds=3)}
            )
    gaps = {(b - a).total_seconds() for a, b in zip(started, started[1:], strict=False)}
    assert gaps == {expected} == {selectors.sync_interval(poll_interval, tick)}


def test_the_integration_page_states_the_real_interval(client, integration_admin):
    integration = buyer_integration()
    integration.poll_interval = 60
    integration.save()
    client.force_login(integration_admin)
    page = client.get(reverse("mappings:integration_detail", args=[integration.pk])).content.decode()
    assert '<span id="sync-interval">about every 120 s</span>' in page
    assert "set to 60 s; the schedule looks every 60 s" in page


def test_a_poll_when_nothing_changed_anywhere_is_answered_before_any_view_runs(
    client, support, order, django_assert_max_num_queries
):
    client.force_login(support)
    url = order.get_absolute_url()
    page = client.get(url).content.decode()
    # The session and the person, then the one query of the stamp: no page is rendered.
    with django_assert_max_num_queries(3):
        assert poll(client, url, version_of(page), stamp_of(page)).status_code == 204


def test_a_change_elsewhere_renders_once_and_hands_the_browser_the_new_stamp(client, support, purchaser, order):
    client.force_login(support)
    url = order.get_absolute_url()
    page = client.get(url).content.decode()
    order_with_confirmation("ELSEWHERE-1", purchaser)  # another order: this page shows nothing new
    answer = poll(client, url, version_of(page), stamp_of(page))
    assert answer.status_code == 204 and answer["X-Live-Stamp"] not in ("", stamp_of(page))
    # With the new stamp the next poll is the cheap one again; a change to this order is seen.
    assert poll(client, url, version_of(page), answer["X-Live-Stamp"]).status_code == 204
    acknowledged_message(order.integration, b"<d/>", document_type="StatusMessage Delivered", document_key="LV-1")
    fresh = poll(client, url, version_of(page), answer["X-Live-Stamp"])
    assert fresh.status_code == 200 and "StatusMessage Delivered" in fresh.content.decode()


def test_every_table_a_live_page_reads_changes_is_watched():
    from django.apps import apps

    watched = {m._meta.label for m in live.WATCHED}
    assert {
        "exchange.InboxMessage",
        "exchange.OutboxMessage",
        "exchange.StatusChange",
        "exchange.SyncRun",
        "common.StatusChange",
        "orders.PurchaseOrder",
        "orders.Confirmation",
        "orders.SalesOrder",
        "shipments.Shipment",
    } <= watched
    assert all(apps.get_model(label) for label in watched)


def test_a_poll_leaves_a_flash_message_for_the_page_the_person_opens_next(client, support, order):
    client.force_login(support)
    url = reverse("orders:purchase_list")
    page = client.get(url).content.decode()
    # Another tab's action leaves a message for the page it redirects to; this page polls first.
    client.post(reverse("exchange:bulk_action"), {"action": "reprocess"})
    order_with_confirmation("LV-3")  # something changed, so the poll renders its page
    assert poll(client, url, version_of(page), stamp_of(page)).status_code == 200
    assert "Tick the messages to act on first." in client.get("/messages/").content.decode()
