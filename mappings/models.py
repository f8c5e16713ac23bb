"""Integrations (one per Jakamo API and environment, or a ShipHero webhook endpoint) and the
company and user mappings that messages need before they can be sent."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jakamo import client as jclient

from .crypto import EncryptedTextField


class Kind(models.TextChoices):
    PURCHASE_ORDER = "purchase_order", _("Purchase Order API")
    SALES_ORDER = "sales_order", _("Sales Order API")
    ASN = "asn", _("ASN API")
    SHIPHERO = "shiphero", _("ShipHero webhook")


class Environment(models.TextChoices):
    TEST = "test", _("Test (demo.thejakamo.com)")
    PRODUCTION = "production", _("Production (www.thejakamo.com)")
    CUSTOM = "custom", _("Custom base URL")


ENVIRONMENT_URLS = {Environment.TEST: jclient.TEST_BASE_URL, Environment.PRODUCTION: jclient.PRODUCTION_BASE_URL}


class AuthMethod(models.TextChoices):
    BASIC = "basic", _("Basic authentication")
    OAUTH2 = "oauth2", _("OAuth2 client credentials")


# Where a custom base URL is the portal's own sandbox, its token endpoint and a scope it grants.
SANDBOX_PATH = "/sandbox/jakamo"
SANDBOX_SCOPE = "api://jakamo-sandbox/.default"


def oauth2_defaults(environment: str, base_url: str = "") -> tuple[str, str]:
    """(token URL, scope) Jakamo sets up for an environment's OAuth2 applications; for a custom base
    URL its own ``/oauth2/token`` (the sandbox's and the gateway's path) and, for the sandbox, its scope."""
    env = jclient.OAUTH2_ENVIRONMENTS.get(environment)
    if env:
        return env.token_url, env.scope
    base = (base_url or "").rstrip("/")
    if not base:
        return "", ""
    return f"{base}/oauth2/token", SANDBOX_SCOPE if base.endswith(SANDBOX_PATH) else ""


class Integration(models.Model):
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    environment = models.CharField(max_length=20, choices=Environment.choices, default=Environment.TEST)
    base_url = models.URLField(blank=True, help_text="Only for a custom environment, e.g. the sandbox")
    auth_method = models.CharField(max_length=10, choices=AuthMethod.choices, default=AuthMethod.BASIC)
    username = models.CharField(max_length=200, blank=True)
    password = EncryptedTextField(blank=True)
    token_url = models.URLField(blank=True)
    client_id = models.CharField(max_length=200, blank=True)
    client_secret = EncryptedTextField(blank=True)
    scope = models.CharField(max_length=300, blank=True)
    # Endpoint paths: the SO and ASN documents hide theirs, so every one is editable.
    path_order = models.CharField(max_length=200, default=jclient.Paths.order)
    path_order_status = models.CharField(max_length=200, default=jclient.Paths.order_status)
    path_response_queue = models.CharField(max_length=200, default=jclient.Paths.response_queue)
    path_order_response = models.CharField(max_length=200, default=jclient.Paths.order_response)
    path_asn_queue = models.CharField(max_length=200, default=jclient.Paths.asn_queue)
    poll_interval = models.PositiveIntegerField(default=300, help_text="Seconds between queue syncs")
    enabled = models.BooleanField(default=True)
    # Options Jakamo activates on its side; the portal mirrors them (PO document 6.2, 6.3.1, 6.3.4).
    compare_sellers_item_id = models.BooleanField(default=False)
    allow_new_batches = models.BooleanField(default=False)
    allow_draft = models.BooleanField(default=False)
    # Orders made in the portal (the order form) name the buyer by it, as both of the PO document's
    # minimal examples do; a supplier's routing reads it. Orders from the ERP carry their own.
    buyer_party_id = models.CharField(
        max_length=200,
        blank=True,
        help_text="Our company's id on orders made in the portal (BuyerCustomerParty/Party/PartyIdentification/ID)",
    )
    # ShipHero webhook endpoints.
    webhook_secret = EncryptedTextField(blank=True)
    shop_name = models.CharField(max_length=200, blank=True, help_text="Trading partner name, or * for all")
    # How its queue is running (lease, last sync, stuck) is the engine's: exchange.SyncState.
    created_at = models.DateTimeField(auto_now_add=True)
    # Archived: no syncing, no sending, hidden from lists; its messages and mappings stay, and
    # restoring it brings everything back.
    archived_at = models.DateTimeField(null=True, blank=True)
    # Jakamo webhooks into the portal (PO, SO, ASN): what Jakamo's webhook form is given, generated
    # by the portal (exchange.webhooks). Basic auth, or OAuth2 client credentials against the
    # portal's own token endpoint; empty until an admin sets the webhook up.
    push_username = models.CharField(max_length=200, blank=True)
    push_password = EncryptedTextField(blank=True)
    push_client_id = models.CharField(max_length=200, blank=True)
    push_client_secret = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    def get_absolute_url(self):
        return reverse("mappings:integration_detail", args=[self.pk])

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def uses_oauth2(self) -> bool:
        return self.auth_method == AuthMethod.OAUTH2

    @property
    def effective_base_url(self) -> str:
        return self.base_url if self.environment == Environment.CUSTOM else ENVIRONMENT_URLS[self.environment]

    @property
    def is_jakamo(self) -> bool:
        return self.kind != Kind.SHIPHERO

    @property
    def queue(self) -> str | None:
        return {Kind.PURCHASE_ORDER: "response", Kind.SALES_ORDER: "response", Kind.ASN: "asn"}.get(self.kind)

    def client_config(self) -> jclient.ClientConfig:
        if self.uses_oauth2:
            auth = jclient.OAuth2ClientCredentials(self.token_url, self.client_id, self.client_secret, self.scope)
        else:
            auth = jclient.BasicAuth(self.username, self.password)
        return jclient.ClientConfig(
            base_url=self.effective_base_url,
            auth=auth,
            paths=jclient.Paths(
                order=self.path_order,
                order_status=self.path_order_status,
                response_queue=self.path_response_queue,
                order_response=self.path_order_response,
                asn_queue=self.path_asn_queue,
            ),
            connect_timeout=settings.JAKAMO_CONNECT_TIMEOUT,
            read_timeout=settings.JAKAMO_READ_TIMEOUT,
            token_store=IntegrationTokens(self.pk),
        )

    def client(self) -> jclient.JakamoClient:
        return jclient.JakamoClient(self.client_config())

    def secrets(self) -> list[str]:
        """Every secret of this integration, for redaction."""
        return [
            s
            for s in (
                self.password,
                self.client_secret,
                self.webhook_secret,
                self.push_password,
                self.push_client_secret,
            )
            if s
        ]

    @property
    def accepts_pushes(self) -> bool:
        return self.is_jakamo and bool(self.push_username or self.push_client_id)


class IntegrationTokens:
    """An integration's OAuth2 access tokens in Django's cache, shared by every worker process
    (Redis where configured), so one token serves them all until it is due for renewal."""

    def __init__(self, integration_pk):
        self.prefix = f"jakamo-token:{integration_pk}:"

    def _key(self, key) -> str:
        # The token URL, client id and scope: changing any of them fetches a new token.
        return self.prefix + hashlib.sha256(repr(key).encode()).hexdigest()[:32]

    def get(self, key):
        return cache.get(self._key(key))

    def put(self, key, token, expires_in):
        cache.set(self._key(key), token, timeout=jclient.renew_after(expires_in))

    def forget(self, key):
        cache.delete(self._key(key))


class PartnerRole(models.TextChoices):
    SUPPLIER = "supplier", _("Supplier")
    CUSTOMER = "customer", _("Customer")
    OWN = "own", _("Our company")


class ExternalField(models.TextChoices):
    NONE = "", _("—")
    BUYER_CUSTOMER_PARTY = "buyer_customer_party", _("Buyer customer party")
    SELLER_SUPPLIER_PARTY = "seller_supplier_party", _("Seller supplier party")


class CompanyMapping(models.Model):
    """Our identifier for a supplier or customer ↔ the Jakamo company (SO document 8.2 adds the
    external identifier routing rules)."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="company_mappings")
    identifier = models.CharField(max_length=200, help_text="Our identifier (e.g. vendor or customer number)")
    company_name = models.CharField(max_length=200, help_text="The company's name in Jakamo")
    role = models.CharField(max_length=10, choices=PartnerRole.choices, default=PartnerRole.SUPPLIER)
    external_identifier = models.CharField(max_length=200, blank=True)
    external_field = models.CharField(max_length=30, choices=ExternalField.choices, blank=True)
    compound_rule_member = models.BooleanField(default=False)
    buyer_customer_party_tags = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["identifier"]
        # One identifier may have several rows: the halves of a compound rule (SO document 8.2)
        # differ by their external field.
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "identifier", "external_field", "external_identifier"],
                name="unique_company_mapping_rule",
            ),
        ]

    def __str__(self):
        return f"{self.identifier} → {self.company_name}"


class UserMapping(models.Model):
    """An ERP user identifier ↔ a portal user (BuyerContact / SellerContact IDs)."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="user_mappings")
    identifier = models.CharField(max_length=200, help_text="The ERP user identifier sent to Jakamo")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    is_default = models.BooleanField(default=False, help_text="DefaultUser of a Sales Order integration")

    class Meta:
        ordering = ["identifier"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "identifier"], name="unique_user_identifier"),
            models.UniqueConstraint(
                fields=["integration"], condition=models.Q(is_default=True), name="one_default_user_per_integration"
            ),
        ]

    def __str__(self):
        return f"{self.identifier} → {self.user or '—'}"


# -- Jakamo's own list of the integration's company mappings (GET /api/mappedcompanies) ------------
class JakamoCompanyList(models.Model):
    """The last "Mapped companies" answer for an integration, with when it was fetched: what the
    pre-flight check compares against between checks."""

    integration = models.OneToOneField(Integration, on_delete=models.CASCADE, related_name="jakamo_companies")
    # [{"CompanyName": …, "MappedId": …}] as Jakamo sent it.
    companies = models.JSONField(default=list)
    checked_at = models.DateTimeField()

    def __str__(self):
        return f"{self.integration} at Jakamo: {len(self.companies)} companies"

    @property
    def mapped_ids(self) -> set[str]:
        return {c["MappedId"] for c in self.companies}
