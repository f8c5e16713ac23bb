from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """Jakamo simulator and ShipHero webhook sender; served under /sandbox when enabled."""

    name = "sandbox"
    verbose_name = "Jakamo sandbox"
