"""Outgoing messages: sent once, retried only where it is safe, 400s explained and left for a
person, blocked by missing mappings until they appear."""

import time
from datetime import timedelta

from django.utils import timezone

from exchange import outbox
from exchange.models import OutboxMessage
from jakamo import status as jstatus
from mappings import services as mapping_services
from mappings.models import CompanyMapping, UserMapping
from sandbox import party
from sandbox import services as sandbox
from sandbox.models import Order
from tests.helpers import enqueued_order as order_row

Status = OutboxMessage.Status


def with_mappings(integration, vendor="V-100", contact="bertha"):
    CompanyMapping.objects.create(integration=integration, identifier=vendor, company_name="Test Supplier Ltd.")
    UserMapping.objects.create(integration=integration, identifier=contact)


def test_an_order_is_sent_once(network, po_integration):
    with_mappings(po_integration)
    row = order_row(po_integration)
    assert outbox.send(row.pk).status == Status.SENT
    assert outbox.send(row.pk) is None  # already sent: nothing happens
    assert Order.objects.filter(order_number="O-1").count() == 1
    row.refresh_from_db()
    assert row.attempts == 1 and row.attempt_log.get().http_status == 200


def test_a_400_is_not_retried_and_is_explained(network, po_integration):
    with_mappings(po_integration, vendor="V-999")  # known here, unknown at Jakamo
    row = order_row(po_integration, vendor_id="V-999")
    row = outbox.send(row.pk)
    assert row.status == Status.REJECTED and row.attempts == 1
    assert "“V-999”" in row.advice and "Company Strings" in row.advice
    assert outbox.send_due() == 0
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(days=1))
    assert outbox.send_due() == 0


def test_a_500_retries_with_backoff_until_it_goes_through(network, po_integration):
    with_mappings(po_integration)
    sandbox.add_fault("error_500", 2, network["po"])
    row = order_row(po_integration)
    first = outbox.send(row.pk)
    assert first.status == Status.RETRY and first.next_attempt_at > timezone.now() + timedelta(seconds=20)
    assert outbox.send_due() == 0  # not due yet
    for _ in range(2):
        OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        outbox.send_due()
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 3
    assert Order.objects.filter(order_number="O-1").count() == 1


def test_backoff_doubles_and_is_capped():
    assert timedelta(seconds=24) <= outbox.backoff(1) <= timedelta(seconds=36)
    assert timedelta(seconds=96) <= outbox.backoff(3) <= timedelta(seconds=144)
    assert outbox.backoff(30) <= timedelta(seconds=outbox.BACKOFF_CAP_SECONDS * 1.2)


def test_an_order_whose_answer_was_lost_is_retried_and_already_exists_proves_it_arrived(
    network, po_integration, settings
):
    settings.JAKAMO_READ_TIMEOUT = 0.3
    with_mappings(po_integration)
    sandbox.add_fault("hang", 1, network["po"])
    row = order_row(po_integration)
    assert outbox.send(row.pk).status == Status.RETRY
    time.sleep(settings.SANDBOX_HANG_SECONDS)
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    outbox.send_due()
    row.refresh_from_db()
    assert row.status == Status.SENT and "earlier attempt" in row.note
    assert Order.objects.filter(order_number="O-1").count() == 1


def test_a_first_time_already_exists_is_a_real_duplicate(network, po_integration):
    with_mappings(po_integration)
    outbox.send(order_row(po_integration, "O-2").pk)
    again = outbox.send(order_row(po_integration, "O-2").pk)
    assert again.status == Status.REJECTED and "OrderChange" in again.advice


def test_a_partial_receipt_whose_answer_was_lost_waits_for_a_person(network, po_integration, settings, support):
    settings.JAKAMO_READ_TIMEOUT = 0.3
    with_mappings(po_integration)
    outbox.send(order_row(po_integration).pk)
    party.supplier_confirm(Order.objects.get(order_number="O-1"))
    msg = jstatus.StatusMessage(
        "O-1", "Received", lines=[jstatus.LineStatus("1", [jstatus.DeliveryStatus("O-1-1-1", received_quantity=25)])]
    )
    sandbox.add_fault("hang", 1, network["po"])
    row = outbox.enqueue(
        integration=po_integration,
        operation=OutboxMessage.Operation.STATUS,
        document_type="StatusMessage Received",
        document_key="O-1",
        body=jstatus.build_status_message(msg),
    )
    row = outbox.send(row.pk)
    assert row.status == Status.UNKNOWN and "twice" in row.advice
    time.sleep(settings.SANDBOX_HANG_SECONDS)
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(hours=1))
    outbox.send_due()
    row.refresh_from_db()
    assert row.status == Status.UNKNOWN  # never retried blindly
    assert Order.objects.get(order_number="O-1").state["1"]["batches"]["O-1-1-1"]["received"] == "25"
    outbox.mark_sent(row, support, "Checked in Jakamo: 25 received")
    row.refresh_from_db()
    assert row.status == Status.SENT and row.audit.get().action == "mark_sent"


def test_a_missing_mapping_blocks_the_send_and_its_arrival_releases_it(network, po_integration, integration_admin):
    row = order_row(po_integration)
    assert row.status == Status.BLOCKED
    assert "“V-100”" in row.blocked_reason and "“bertha”" in row.blocked_reason
    mapping_services.save_company_mapping(
        integration=po_integration, identifier="V-100", company_name="Test Supplier Ltd.", user=integration_admin
    )
    row.refresh_from_db()
    assert row.status == Status.BLOCKED and "“V-100”" not in row.blocked_reason and "“bertha”" in row.blocked_reason
    mapping_services.save_user_mapping(integration=po_integration, identifier="bertha", user=integration_admin)
    row.refresh_from_db()
    assert row.status == Status.PENDING
    assert outbox.send(row.pk).status == Status.SENT


def test_a_send_whose_worker_died_is_recovered_safely(network, po_integration):
    with_mappings(po_integration)
    safe = order_row(po_integration, "O-3")
    unsafe = outbox.enqueue(
        integration=po_integration,
        operation="status",
        document_type="StatusMessage Received",
        document_key="O-3",
        body=b"<StatusMessage/>",
    )
    stale = timezone.now() - timedelta(hours=1)
    OutboxMessage.objects.filter(pk__in=[safe.pk, unsafe.pk]).update(status=Status.SENDING, next_attempt_at=stale)
    outbox.send_due()
    safe.refresh_from_db()
    unsafe.refresh_from_db()
    assert safe.status == Status.SENT
    assert unsafe.status == Status.UNKNOWN and "stopped mid-send" in unsafe.advice


def test_cancel_and_resend_are_audited(network, po_integration, support):
    row = order_row(po_integration)  # blocked
    outbox.cancel(row, support, "Wrong supplier")
    row.refresh_from_db()
    assert row.status == Status.CANCELLED and row.audit.get().note == "Wrong supplier"
    with_mappings(po_integration)
    outbox.resend(row, support)
    row.refresh_from_db()
    assert row.status == Status.PENDING and row.audit.count() == 2
    assert outbox.send(row.pk).status == Status.SENT


def test_the_advice_is_kept_as_a_code_and_said_in_the_readers_language(network, po_integration, monkeypatch):
    from django.utils import translation

    import exchange.advice

    with_mappings(po_integration, vendor="V-999")
    row = outbox.send(order_row(po_integration, number="O-ADV", vendor_id="V-999").pk)
    row = OutboxMessage.objects.get(pk=row.pk)
    assert row.explanation == ""  # no sentence kept, in any language
    assert row.explanation_code == "no_vendor_mapping" and row.explanation_params["vendor_id"] == "“V-999”"
    # Said when shown, through the catalogue of the reader's language.
    seen = []
    monkeypatch.setattr(exchange.advice, "gettext", lambda text: seen.append(translation.get_language()) or text)
    with translation.override("fi"):
        assert "“V-999”" in row.advice
    assert seen == ["fi"]


def test_advice_recorded_before_the_codes_is_shown_as_it_was(db):
    row = OutboxMessage(explanation="Check the order in Jakamo.", explanation_code="")
    assert row.advice == "Check the order in Jakamo."


def test_a_blocked_message_keeps_what_is_missing_and_says_it_in_the_readers_language(network, po_integration):
    from django.utils import translation

    row = order_row(po_integration, number="O-BLK")  # no mappings at all
    assert row.status == Status.BLOCKED
    assert {"kind": "company", "identifier": "V-100", "role": "supplier"} in row.blocked_mappings
    assert "“V-100”" in row.blocked_reason  # the English copy the ERP and the search read
    with translation.override("fi"):
        finnish = OutboxMessage.objects.get(pk=row.pk).blocked_text
    assert "V-100" in finnish and "bertha" in finnish
    assert finnish != row.blocked_reason and "No company mapping" not in finnish
