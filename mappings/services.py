"""Integrations and mappings: writes go through these functions (views, CSV import and tests), so
that saving a mapping always releases the sends it was blocking (the engine registers that in
``ExchangeConfig.ready``: this app sits below the engine and does not import it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from common import hooks
from common.errors import Refused

from .models import CompanyMapping, Integration, JakamoCompanyList, Kind, PartnerRole, UserMapping

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


@dataclass(frozen=True)
class ConnectionCheck:
    """What Test connection found: ``part`` names the request that failed ("token", "scope",
    "queue"; "" when all worked), ``text`` says it to a person in their language."""

    ok: bool
    part: str
    text: str


def test_connection(integration: Integration) -> ConnectionCheck:
    """Reachability and credentials, in plain words, without consuming a queue message (a GET only
    reads the head of the queue; nothing is acknowledged). With OAuth2 a new token is fetched first,
    so a wrong secret or scope shows now, not when the stored token runs out. Never shows an
    exception's own text: that is Python's, not the reader's."""
    from jakamo.errors import JakamoHTTPError

    if not integration.is_jakamo:
        return ConnectionCheck(
            True, "", _("ShipHero calls the portal; there is nothing to connect to. Send a test webhook instead.")
        )
    client = integration.client()
    if integration.uses_oauth2:
        try:
            client.new_token()
        except JakamoHTTPError as exc:
            part, text = _token_problem(integration, exc)
            return ConnectionCheck(False, part, text)
    base = integration.effective_base_url
    try:
        message = client.get_message(integration.queue)
    except JakamoHTTPError as exc:
        return ConnectionCheck(False, "queue", _queue_problem(integration, exc))
    if message is None:
        text = _("Connected to %(base)s; the credentials work and the queue is empty.")
    else:
        text = _("Connected to %(base)s; the credentials work and a message is waiting in the queue (not consumed).")
    return ConnectionCheck(True, "", text % {"base": base})


def _unreachable(exc) -> bool:
    return exc.status is None


def _token_problem(integration: Integration, exc) -> tuple[str, str]:
    from jakamo.errors import ProtocolError, TokenRefused

    url = integration.token_url
    if isinstance(exc, TokenRefused):
        if exc.error == "invalid_scope":
            return "scope", _(
                "The scope was refused: the token endpoint will not grant “%(scope)s” to this client. Use the scope "
                "of the Jakamo environment the OAuth2 application was made for (it ends in /.default)."
            ) % {"scope": integration.scope or _("(none)")}
        if exc.status == 404:
            return "token", _("No token endpoint at %(url)s (404): check the token URL.") % {"url": url}
        return "token", _(
            "No token: the token endpoint refused the client id or the client secret (%(status)s). Check both "
            "against the OAuth2 application on Jakamo's Integrations page; a secret that has expired there must be "
            "renewed."
        ) % {"status": exc.status}
    if isinstance(exc, ProtocolError):
        return "token", _("No token: %(url)s answered, but with no access token. Check the token URL.") % {"url": url}
    if _unreachable(exc):
        return "token", _(
            "No token: the token URL %(url)s cannot be reached. Check the address, the DNS name and the network."
        ) % {"url": url}
    return "token", _("No token: the token endpoint answered %(status)s; it is having trouble, try again later.") % {
        "status": exc.status
    }


def _queue_problem(integration: Integration, exc) -> str:
    from jakamo.errors import AuthenticationError, ProtocolError, RejectedError

    base = integration.effective_base_url
    if isinstance(exc, AuthenticationError):
        if integration.uses_oauth2:
            return _(
                "A token was issued, but Jakamo refused it for the queue (%(status)s “%(reason)s”): the OAuth2 "
                "application may be for another environment or permission category than this %(kind)s."
            ) % {"status": exc.status, "reason": exc.reason, "kind": integration.get_kind_display()}
        return _(
            "Reached %(base)s, but Jakamo refused the credentials (%(status)s “%(reason)s”). Check the username "
            "and the password of this integration in Jakamo."
        ) % {"base": base, "status": exc.status, "reason": exc.reason}
    if isinstance(exc, RejectedError):
        if exc.status == 404:
            return _("Reached %(base)s, but %(url)s does not exist (404). Check the base URL and the queue path.") % {
                "base": base,
                "url": exc.url,
            }
        return _("Reached %(base)s, but Jakamo answered %(status)s: %(reason)s") % {
            "base": base,
            "status": exc.status,
            "reason": exc.reason,
        }
    if isinstance(exc, ProtocolError):
        return _("Reached %(base)s, but the answer was not a Jakamo queue. Check the base URL and the queue path.") % {
            "base": base
        }
    if _unreachable(exc):
        return _("Could not reach %(base)s: check the address, the DNS name and the network.") % {"base": base}
    return _("Reached %(base)s, but it answered %(status)s: Jakamo is having trouble; try again later.") % {
        "base": base,
        "status": exc.status,
    }


# -- the same credentials twice --------------------------------------------------------------------
def sharing_credentials(integration: Integration) -> list[Integration]:
    """Other integrations that log in to the same Jakamo as the same client: they would read (and
    acknowledge) each other's queue."""
    if not integration.is_jakamo:
        return []
    login = {"client_id": integration.client_id} if integration.uses_oauth2 else {"username": integration.username}
    if not next(iter(login.values())):
        return []
    others = (
        Integration.objects.exclude(pk=integration.pk)
        .exclude(kind=Kind.SHIPHERO)
        .filter(auth_method=integration.auth_method, **login)
    )
    return [o for o in others if o.effective_base_url.rstrip("/") == integration.effective_base_url.rstrip("/")]


# -- archive, restore, delete ------------------------------------------------------------------------
def archive_integration(*, integration: Integration, user=None) -> Integration:
    Integration.objects.filter(pk=integration.pk).update(archived_at=timezone.now())
    integration.refresh_from_db()
    return integration


def restore_integration(*, integration: Integration, user=None) -> Integration:
    Integration.objects.filter(pk=integration.pk).update(archived_at=None)
    integration.refresh_from_db()
    return integration


def delete_integration(*, integration: Integration, user=None) -> None:
    """Only an integration nothing refers to: its messages, orders and shipments are history that
    must keep their integration (the foreign keys protect them), so such a one is archived instead."""
    try:
        with transaction.atomic():
            integration.delete()
    except ProtectedError as exc:
        raise Refused(
            "integration_in_use",
            _lazy(
                "%(name)s cannot be deleted: %(count)s messages, orders or shipments refer to it and stay in the "
                "history. Archive it instead: it stops syncing and sending and can be restored."
            ),
            name=integration.name,
            count=len(exc.protected_objects),
        ) from None


# -- Jakamo's mapped companies -----------------------------------------------------------------------
@dataclass
class MappingComparison:
    both: list[dict]  # {"identifier", "here", "jakamo"}
    only_here: list[CompanyMapping]
    only_jakamo: list[dict]  # {"CompanyName", "MappedId"}
    checked_at: object


def check_mapped_companies(*, integration: Integration, user=None) -> JakamoCompanyList:
    """Fetch the integration's company mappings from Jakamo with its own credentials and keep them
    with the time; blocked sends are looked at again (one may now be known to be fine, or not)."""
    from jakamo.errors import JakamoHTTPError

    try:
        companies = integration.client().mapped_companies()
    except JakamoHTTPError as exc:
        if exc.stage == "token":
            part, text = _token_problem(integration, exc)
        else:
            text = _queue_problem(integration, exc)
        raise Refused(
            "mapped_companies_unavailable", _lazy("Jakamo's mapped companies were not read. %(why)s"), why=text
        ) from None
    with transaction.atomic():
        stored, _created = JakamoCompanyList.objects.update_or_create(
            integration=integration, defaults={"companies": companies, "checked_at": timezone.now()}
        )
        _saved(integration)
    return stored


def compare_mapped_companies(integration: Integration) -> MappingComparison | None:
    """The portal's company mappings beside Jakamo's last known list; None before the first check."""
    known = JakamoCompanyList.objects.filter(integration=integration).first()
    if known is None:
        return None
    at_jakamo = {c["MappedId"]: c for c in known.companies}
    here = list(CompanyMapping.objects.filter(integration=integration))
    here_ids = {m.identifier for m in here}
    both = [
        {"identifier": m.identifier, "here": m.company_name, "jakamo": at_jakamo[m.identifier]["CompanyName"]}
        for m in here
        if m.identifier in at_jakamo
    ]
    only_here = [m for m in here if m.identifier not in at_jakamo]
    only_jakamo = [c for mapped_id, c in sorted(at_jakamo.items()) if mapped_id not in here_ids]
    return MappingComparison(both, only_here, only_jakamo, known.checked_at)


def default_role(integration: Integration) -> str:
    """The partner a company mapping of this integration names: the supplier on the buyer's side."""
    return PartnerRole.CUSTOMER if integration.kind == Kind.SALES_ORDER else PartnerRole.SUPPLIER
