from django.contrib import admin

from .models import Attempt, AuditEntry, InboxMessage, OutboxMessage, SyncRun, SyncState

admin.site.register(
    InboxMessage,
    list_display=["id", "integration", "document_type", "document_key", "status", "received_at"],
    list_filter=["status", "integration"],
    search_fields=["document_key"],
    exclude=["body"],
)
admin.site.register(
    OutboxMessage,
    list_display=["id", "integration", "document_type", "document_key", "status", "created_at"],
    list_filter=["status", "integration"],
    search_fields=["document_key"],
    exclude=["body"],
)
admin.site.register(
    SyncRun, list_display=["id", "integration", "status", "started_at", "fetched", "processed", "failed"]
)
admin.site.register(
    SyncState,
    list_display=["integration", "last_success_at", "consecutive_failures", "stuck_since", "lease_until", "owner"],
)
admin.site.register(Attempt, list_display=["id", "action", "outcome", "http_status", "started_at"])
admin.site.register(AuditEntry, list_display=["id", "action", "user", "at"])
