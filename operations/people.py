"""Who a message goes to, and in which language."""

from django.conf import settings

from .models import Preference


def language_of(user) -> str:
    language = Preference.objects.filter(user=user).values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE


def set_language(user, language: str) -> str:
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"Unknown language {language!r}")
    Preference.objects.update_or_create(user=user, defaults={"language": language})
    return language
