import json

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import XmlTextField

from .models import SANDBOX_SCOPE, AuthMethod, CompanyMapping, Environment, Integration, Kind, oauth2_defaults

SECRET_FIELDS = ("password", "client_secret", "webhook_secret")

JAKAMO_FIELDS = [
    "environment",
    "base_url",
    "auth_method",
    "token_url",
    "client_id",
    "client_secret",
    "scope",
    "username",
    "password",
]
# Each API's own paths and options (PO document 6.2, 6.3.1, 6.3.4; the SO document's answers).
KIND_FIELDS = {
    Kind.PURCHASE_ORDER: [
        "path_order",
        "path_order_status",
        "path_response_queue",
        "compare_sellers_item_id",
        "allow_new_batches",
        "allow_draft",
        "buyer_party_id",
    ],
    Kind.SALES_ORDER: [
        "path_response_queue",
        "path_order_response",
        "path_order_status",
        "allow_new_batches",
        "allow_draft",
    ],
    Kind.ASN: ["path_asn_queue"],
}
SYNC_FIELDS = ["poll_interval", "enabled"]
SHIPHERO_FIELDS = ["webhook_secret", "shop_name", "enabled"]


def fields_for(kind: str) -> list[str]:
    """The fields that mean something for an integration of this kind, in the form's order."""
    if kind == Kind.SHIPHERO:
        return ["name", *SHIPHERO_FIELDS]
    return ["name", *JAKAMO_FIELDS, *KIND_FIELDS.get(kind, []), *SYNC_FIELDS]


LABELS = {
    "name": (_("Name"), _("How the portal's pages and messages name this integration.")),
    "environment": (_("Jakamo environment"), _("Test is demo.thejakamo.com; a custom base URL is e.g. the sandbox.")),
    "base_url": (_("Base URL"), _("Only for a custom environment, e.g. http://127.0.0.1:8000/sandbox/jakamo")),
    "auth_method": (
        _("Authentication"),
        _("OAuth2 is what Jakamo sets up now; basic authentication is kept for legacy integrations."),
    ),
    "username": (_("Username (legacy basic authentication)"), _("The integration's username in Jakamo.")),
    "password": (_("Password (legacy basic authentication)"), ""),
    "token_url": (
        _("Token URL"),
        _("Filled in for Test and Production (Jakamo's Entra ID tenant) when left empty."),
    ),
    "client_id": (_("Client ID"), _("The OAuth2 application's client ID, from Jakamo's Integrations page.")),
    "client_secret": (_("Client secret"), ""),
    "scope": (_("Scope"), _("Filled in for Test and Production when left empty; it ends in /.default.")),
    "path_order": (_("Order path"), _("POST of an Order or OrderChange.")),
    "path_order_status": (_("Status message path"), _("PUT of a StatusMessage; {order_id} is the order number.")),
    "path_response_queue": (_("Queue path"), _("GET of the head of the queue.")),
    "path_order_response": (_("Order response path"), _("POST of an OrderResponse.")),
    "path_asn_queue": (_("ASN queue path"), _("GET of the head of the ASN queue.")),
    "poll_interval": (_("Sync interval (seconds)"), _("How often the queue is read; at least 15.")),
    "enabled": (_("Enabled"), _("Off: the portal neither reads the queue nor takes webhooks for it.")),
    "compare_sellers_item_id": (
        _("Compare the seller's item id"),
        _("Only when Jakamo has switched this option on for the integration."),
    ),
    "allow_new_batches": (_("New delivery batches allowed"), _("As Jakamo has it for the integration.")),
    "allow_draft": (_("Draft lines allowed"), _("As Jakamo has it for the integration.")),
    "buyer_party_id": (
        _("Our company's id"),
        _("Names the buyer on orders made in the portal (BuyerCustomerParty/Party/PartyIdentification/ID)."),
    ),
    "webhook_secret": (_("Webhook secret"), ""),
    "shop_name": (_("Shop name"), _("The trading partner's name in ShipHero, or * for all partners.")),
}


class IntegrationForm(forms.ModelForm):
    """One kind's fields only (``fields_for``); the kind is chosen before the form and never
    changes. Secrets are write-only: never rendered back, and left as they are when the field is
    blank. OAuth2's token URL and scope default to what Jakamo sets up for the environment."""

    base_url = forms.URLField(required=False, assume_scheme="https")
    token_url = forms.URLField(required=False, assume_scheme="https")
    password = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False))
    client_secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False))
    webhook_secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False))

    class Meta:
        model = Integration
        fields = ["name", *JAKAMO_FIELDS, *dict.fromkeys(f for fs in KIND_FIELDS.values() for f in fs), *SYNC_FIELDS]
        fields += ["webhook_secret", "shop_name"]

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        wanted = fields_for(kind)
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        self.order_fields(wanted)
        for name, field in self.fields.items():
            field.label, field.help_text = LABELS[name]
            # The page prints each help text under its field with this id (integration_form.html).
            field.widget.attrs["aria-describedby"] = f"id_{name}_help"
        for name in ("base_url", "token_url", "scope"):
            if name in self.fields:
                self.fields[name].widget.attrs["size"] = 70
        for name in SECRET_FIELDS:
            if name in self.fields:
                stored = bool(self.instance.pk and getattr(self.instance, name))
                self.fields[name].help_text = _("Stored — leave blank to keep it.") if stored else _("Not set.")
        if "auth_method" in self.fields:
            # Jakamo is phasing basic authentication out (reference: "OAuth2").
            if not self.instance.pk:
                self.fields["auth_method"].initial = AuthMethod.OAUTH2
            self.fields["auth_method"].choices = [
                (AuthMethod.OAUTH2, _("OAuth2 client credentials (recommended)")),
                (AuthMethod.BASIC, _("Basic authentication (legacy)")),
            ]
        if "poll_interval" in self.fields:
            self.fields["poll_interval"].min_value = 15
        if "environment" in self.fields:
            # The page's script fills the token URL and scope as the person picks (static/js/integration_form.js).
            self.fields["environment"].widget.attrs["data-oauth2-defaults"] = json.dumps(
                {
                    env: dict(zip(("token_url", "scope"), oauth2_defaults(env), strict=True))
                    for env in ("test", "production")
                }
            )
            self.fields["base_url"].widget.attrs["data-sandbox-scope"] = SANDBOX_SCOPE

    def clean(self):
        data = super().clean()
        if self.kind == Kind.SHIPHERO:
            if not (data.get("webhook_secret") or (self.instance.pk and self.instance.webhook_secret)):
                self.add_error(
                    "webhook_secret", _("ShipHero signs every call with this shared secret; it is required.")
                )
            if not data.get("shop_name"):
                self.add_error("shop_name", _("The trading partner name, or * for all partners."))
            return data
        env, auth = data.get("environment"), data.get("auth_method")
        if env == Environment.CUSTOM and not data.get("base_url"):
            self.add_error("base_url", _("A custom environment needs its base URL."))
        if auth == AuthMethod.BASIC and not data.get("username"):
            self.add_error("username", _("Basic authentication needs the integration's username."))
        if auth == AuthMethod.OAUTH2:
            token_url, scope = oauth2_defaults(env, data.get("base_url", ""))
            data["token_url"] = data.get("token_url") or token_url
            data["scope"] = data.get("scope") or scope
            for field in ("token_url", "client_id"):
                if not data.get(field):
                    self.add_error(field, _("OAuth2 client credentials need this."))
        return data

    def save(self, commit=True):
        instance = super().save(commit=False)
        instance.kind = self.kind
        for name in SECRET_FIELDS:
            if name not in self.fields:
                continue
            value = self.cleaned_data.get(name)
            if value:
                setattr(instance, name, value)
            elif self.instance.pk:
                setattr(instance, name, Integration.objects.get(pk=self.instance.pk).__dict__[name])
        if commit:
            instance.save()
        return instance


class CompanyMappingForm(forms.ModelForm):
    class Meta:
        model = CompanyMapping
        fields = [
            "identifier",
            "company_name",
            "role",
            "external_identifier",
            "external_field",
            "compound_rule_member",
            "buyer_customer_party_tags",
        ]
        labels = {
            "identifier": _("Our identifier"),
            "company_name": _("Company name in Jakamo"),
            "role": _("Role"),
            "external_identifier": _("External identifier"),
            "external_field": _("External field"),
            "compound_rule_member": _("Part of a compound rule"),
            "buyer_customer_party_tags": _("Buyer customer party tags"),
        }
        help_texts = {
            "identifier": _("The supplier's or customer's number in our ERP, as the messages carry it."),
            "company_name": _("The company's account name in Jakamo."),
        }
        # Identifiers and names go into the Orders sent to Jakamo.
        field_classes = {"identifier": XmlTextField, "company_name": XmlTextField, "external_identifier": XmlTextField}
        # The model's names are English data; people read these, in their language.
        labels = {
            "identifier": _("Our identifier"),
            "company_name": _("Jakamo company"),
            "role": _("Role"),
            "external_identifier": _("External identifier"),
            "external_field": _("External field"),
            "compound_rule_member": _("Compound rule member"),
            "buyer_customer_party_tags": _("Buyer customer party tags"),
        }
        help_texts = {
            "identifier": _("Our identifier (e.g. vendor or customer number)"),
            "company_name": _("The company's name in Jakamo"),
        }


class UserMappingForm(forms.Form):
    identifier = XmlTextField(label=_("Identifier"), max_length=200)
    portal_user = forms.ModelChoiceField(label=_("Portal user"), queryset=None, required=False)
    is_default = forms.BooleanField(label=_("Is default"), required=False)

    def __init__(self, *args, **kwargs):
        from django.contrib.auth.models import User

        super().__init__(*args, **kwargs)
        self.fields["portal_user"].queryset = User.objects.filter(is_active=True).order_by("username")


class CsvImportForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("CSV with a header row; at most 5 MB"))
