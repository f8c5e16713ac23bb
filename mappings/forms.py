from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import XmlTextField

from .models import AuthMethod, CompanyMapping, Environment, Integration, Kind

SECRET_FIELDS = ("password", "client_secret", "webhook_secret")


class IntegrationForm(forms.ModelForm):
    """Secrets are write-only: never rendered back, and left as they are when the field is blank."""

    base_url = forms.URLField(
        label=_("Base url"),
        required=False,
        assume_scheme="https",
        help_text=_("Only for a custom environment, e.g. the sandbox"),
    )
    token_url = forms.URLField(label=_("Token url"), required=False, assume_scheme="https")
    password = forms.CharField(label=_("Password"), required=False, widget=forms.PasswordInput(render_value=False))
    client_secret = forms.CharField(
        label=_("Client secret"), required=False, widget=forms.PasswordInput(render_value=False)
    )
    webhook_secret = forms.CharField(
        label=_("Webhook secret"), required=False, widget=forms.PasswordInput(render_value=False)
    )

    class Meta:
        model = Integration
        fields = [
            "name",
            "kind",
            "environment",
            "base_url",
            "auth_method",
            "username",
            "password",
            "token_url",
            "client_id",
            "client_secret",
            "scope",
            "path_order",
            "path_order_status",
            "path_response_queue",
            "path_order_response",
            "path_asn_queue",
            "poll_interval",
            "enabled",
            "compare_sellers_item_id",
            "allow_new_batches",
            "allow_draft",
            "buyer_party_id",
            "webhook_secret",
            "shop_name",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            stored = bool(self.instance.pk and getattr(self.instance, name))
            self.fields[name].help_text = "Stored — leave blank to keep it." if stored else "Not set."
        self.fields["poll_interval"].min_value = 15

    def clean(self):
        data = super().clean()
        kind, env, auth = data.get("kind"), data.get("environment"), data.get("auth_method")
        if env == Environment.CUSTOM and not data.get("base_url"):
            self.add_error("base_url", "A custom environment needs its base URL.")
        if kind == Kind.SHIPHERO:
            if not (data.get("webhook_secret") or (self.instance.pk and self.instance.webhook_secret)):
                self.add_error("webhook_secret", "ShipHero signs every call with this shared secret; it is required.")
            if not data.get("shop_name"):
                self.add_error("shop_name", "The trading partner name, or * for all partners.")
            return data
        if auth == AuthMethod.BASIC and not data.get("username"):
            self.add_error("username", "Basic authentication needs the integration's username.")
        if auth == AuthMethod.OAUTH2:
            for field in ("token_url", "client_id"):
                if not data.get(field):
                    self.add_error(field, "OAuth2 client credentials need this.")
        return data

    def save(self, commit=True):
        instance = super().save(commit=False)
        for name in SECRET_FIELDS:
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
