"""Integrations and mappings: writes go through these functions (views, CSV import and tests), so
that saving a mapping always releases the sends it was blocking (the engine registers that in
``ExchangeConfig.ready``: this app sits below the engine and does not import it)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from common import hooks

from .models import CompanyMapping, Integration, UserMapping

# Called with the integration, inside the saving transaction, after any mapping of it is saved.
MAPPING_SAVED: list[Callable[[Integration], object]] = []


def on_mapping_saved(func: Callable[[Integration], object]) -> Callable[[Integration], object]:
    return hooks.register(MAPPING_SAVED, func, what="after a mapping is saved")


def _saved(integration: Integration):
    for func in MAPPING_SAVED:
        func(integration)


def save_company_mapping(
    *, integration: Integration, identifier: str, company_name: str, user=None, **fields
) -> CompanyMapping:
    with transaction.atomic():
        key = {
            "external_field": fields.pop("external_field", ""),
            "external_identifier": fields.pop("external_identifier", ""),
        }
        mapping, _ = CompanyMapping.objects.update_or_create(
            integration=integration, identifier=identifier, **key, defaults={"company_name": company_name, **fields}
        )
        _saved(integration)
    return mapping


def save_user_mapping(
    *, integration: Integration, identifier: str, user=None, portal_user=None, is_default=False
) -> UserMapping:
    with transaction.atomic():
        if is_default:
            UserMapping.objects.filter(integration=integration, is_default=True).exclude(identifier=identifier).update(
                is_default=False
            )
        mapping, _ = UserMapping.objects.update_or_create(
            integration=integration, identifier=identifier, defaults={"user": portal_user, "is_default": is_default}
        )
        _saved(integration)
    return mapping


def test_connection(integration: Integration) -> tuple[bool, str]:
    """Reachability and credentials, in plain words, without consuming a queue message (a GET only
    reads the head of the queue; nothing is acknowledged)."""
    from jakamo.errors import AuthenticationError, JakamoError, ProtocolError, RejectedError, TransientError

    if not integration.is_jakamo:
        return True, "ShipHero calls the portal; there is nothing to connect to. Send a test webhook instead."
    client = integration.client()
    base = integration.effective_base_url
    try:
        message = client.get_message(integration.queue)
    except AuthenticationError as exc:
        return False, (
            f"Reached {base}, but Jakamo refused the credentials ({exc.status} “{exc.reason}”). "
            + (exc.explanation.explanation if exc.explanation else "")
        )
    except RejectedError as exc:
        if exc.status == 404:
            return False, f"Reached {base}, but {exc.url} does not exist (404). Check the base URL and the queue path."
        return False, f"Reached {base}, but Jakamo answered {exc.status}: {exc.reason}"
    except TransientError as exc:
        text = str(exc)
        if "TLS" in text:
            return False, f"The TLS (HTTPS) handshake with {base} failed: check the address and certificates. {text}"
        if exc.status:
            return False, f"Reached {base}, but it answered {exc.status}: Jakamo is having trouble; try again later."
        return False, f"Could not reach {base}: check the address (DNS) and the network. {text}"
    except ProtocolError as exc:
        return False, f"Reached {base}, but the answer was not a Jakamo queue: {exc}"
    except JakamoError as exc:
        return False, str(exc)
    if message is None:
        return True, f"Connected to {base}; the credentials work and the queue is empty."
    return True, f"Connected to {base}; the credentials work and a message is waiting in the queue (not consumed)."
