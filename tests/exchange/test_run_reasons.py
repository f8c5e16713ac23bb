"""Why a sync run stopped, and why a queue is stuck, are kept as codes and parameters and said in
the reader's language; the English copy stays for searches and alerts."""

from django.utils import translation

from exchange import inbox
from exchange.models import SyncRun, SyncState


def test_a_skipped_run_says_why_in_the_readers_language(po_integration, client, integration_admin):
    assert inbox.claim(po_integration.pk, "someone-else")
    run = inbox.sync(po_integration.pk)
    assert run.status == SyncRun.Status.SKIPPED and run.error_code == "lease_taken"
    assert run.error == "Another sync of this integration is running."
    with translation.override("fi"):
        finnish = run.reason
    assert finnish and finnish != run.error
    client.force_login(integration_admin)
    page = client.get(po_integration.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fi")
    text = page.content.decode()
    assert finnish in text and run.error not in text


def test_a_stuck_queue_says_why_in_the_readers_language(po_integration, client, integration_admin):
    params = {"times": 4, "uri": "https://jakamo.example/ack/7"}
    state = SyncState.of(po_integration)
    state.stuck_reason = inbox._in_english("stuck", params)
    state.stuck_params = params
    state.save()
    assert "returned the same message 4 times" in state.stuck_reason
    with translation.override("fi"):
        finnish = SyncState.objects.get(pk=state.pk).stuck_text
    assert "https://jakamo.example/ack/7" in finnish and "4" in finnish and finnish != state.stuck_reason
    client.force_login(integration_admin)
    page = client.get(po_integration.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fi")
    assert finnish in page.content.decode()
