from django.contrib import admin

from himoya.awareness.models import AwarenessSession, SessionTemplate


@admin.register(SessionTemplate)
class SessionTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "audience", "shipped", "updated_at"]
    list_filter = ["language", "audience", "shipped"]


@admin.register(AwarenessSession)
class AwarenessSessionAdmin(admin.ModelAdmin):
    """Read-only: sessions are run from the trainer's pages, and pupils' data is never shown here."""

    list_display = ["title", "scheduled_for", "language", "audience", "status", "owner", "purged_at"]
    list_filter = ["status", "language", "audience"]
    fields = [
        "title",
        "scheduled_for",
        "language",
        "audience",
        "status",
        "owner",
        "ended_at",
        "purge_after",
        "purged_at",
        "figures",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
