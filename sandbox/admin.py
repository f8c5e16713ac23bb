from django.contrib import admin

from .models import CompanyMapping, Fault, Integration, Message, Order, UserMapping

admin.site.register(
    Integration, list_display=["username", "company", "api"], exclude=["password_hash", "client_secret_hash"]
)
admin.site.register(Order, list_display=["order_number", "buyer_company", "supplier_company", "status"])
admin.site.register(Message, list_display=["id", "integration", "document_type", "order_number", "acknowledged_at"])
admin.site.register(Fault, list_display=["kind", "integration", "remaining"])
admin.site.register(CompanyMapping, list_display=["identifier", "company", "integration"])
admin.site.register(UserMapping, list_display=["identifier", "user_name", "integration", "is_default"])
