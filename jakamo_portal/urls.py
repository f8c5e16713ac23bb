from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from exchange import urls as exchange_urls
from exchange import webhook_views
from mappings import urls as mappings_urls
from operations import views as operations_views
from shipments.views import shiphero_endpoint

# One namespace for the integration pages: settings and mappings (mappings) beside health, sync
# runs and blocked sends (exchange), which sits above it.
integration_urls = ([*mappings_urls.urlpatterns, *exchange_urls.integration_urlpatterns], "mappings")

urlpatterns = [
    path("", operations_views.home, name="home"),
    path("language/", operations_views.language, name="set_language"),
    # For monitoring: the database answers and the task cluster is alive (200, else 503).
    path("health/", operations_views.health_view, name="health"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orders/", include("orders.urls")),
    path("shipments/", include("shipments.urls")),
    # One endpoint per ShipHero webhook integration; authenticated by the HMAC signature.
    path("hooks/shiphero/<int:pk>/", shiphero_endpoint, name="shiphero_webhook"),
    # One endpoint per Jakamo PO, SO and ASN integration, and the token endpoint for its OAuth2
    # credentials; authenticated by the webhook's own credentials, not a session.
    path("hooks/jakamo/oauth2/token", webhook_views.webhook_token, name="jakamo_webhook_token"),
    path("hooks/jakamo/<int:pk>/", webhook_views.jakamo_webhook, name="jakamo_webhook"),
    path("integrations/erp-clients/", include("gateway.urls")),
    path("integrations/", include(integration_urls)),
    # Jakamo's APIs served to ERP clients; authenticated by their own credentials, not a session.
    path("gateway/jakamo/", include("gateway.api_urls")),
    path("messages/", include("exchange.urls")),
    # Always routed; every sandbox view answers 404 unless SANDBOX_ENABLED.
    path("sandbox/", include("sandbox.urls")),
    path("admin/", admin.site.urls),
]

# A refusal in the portal's layout, with a way back (Django's own is a bare page).
handler403 = operations_views.permission_denied
