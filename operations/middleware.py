"""Each signed-in person sees the portal in the language they chose, whatever their browser says."""

from django.utils import translation

SESSION_KEY = "portal_language"


def person_language(user) -> str | None:
    from .models import Preference

    return Preference.objects.filter(user=user).values_list("language", flat=True).first()


class PersonLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Looked up once per session, not once per request; the switch updates both.
            if SESSION_KEY not in request.session:
                request.session[SESSION_KEY] = person_language(user) or ""
            language = request.session[SESSION_KEY]
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
