from django import forms
from django.utils.translation import gettext_lazy as _

from mappings.models import AuthMethod, Integration, Kind

from .models import GatewayClient, Passes


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    integration = forms.ModelChoiceField(
        label=_("Integration"),
        queryset=Integration.objects.exclude(kind=Kind.SHIPHERO),
        help_text=_("The Jakamo API this ERP client uses through the portal (one client per API, as in Jakamo)"),
    )
    auth_method = forms.ChoiceField(label=_("Auth method"), choices=AuthMethod.choices, initial=AuthMethod.BASIC)
    passes = forms.ChoiceField(
        choices=Passes.choices,
        initial=Passes.EVERYTHING,
        label=_("What its queue passes"),
        help_text=_("Purchase orders only"),
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if GatewayClient.objects.filter(name=name).exists():
            raise forms.ValidationError(f"There is already an ERP client named {name}.")
        return name


class ClientSettingsForm(forms.ModelForm):
    class Meta:
        model = GatewayClient
        fields = ["passes", "active"]
        labels = {
            "passes": "What its queue passes",
            "active": "Active (inactive clients are refused as Jakamo refuses bad credentials)",
        }
