from django.contrib import admin

from .models import CompanyMapping, Integration, UserMapping


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "environment", "enabled"]
    list_filter = ["kind", "environment", "enabled"]
    # Secrets are edited in the portal's own form, which never shows them again.
    exclude = ["password", "client_secret", "webhook_secret"]


admin.site.register(CompanyMapping, list_display=["identifier", "company_name", "integration", "role"])
admin.site.register(UserMapping, list_display=["identifier", "user", "integration", "is_default"])
