from django.contrib import admin

from himoya.links import actions
from himoya.links.models import KnownLink


@admin.register(KnownLink)
class KnownLinkAdmin(admin.ModelAdmin):
    """Entries are read and deleted here; they are added and imported on the known-links page,
    which checks and normalises each value."""

    list_display = ["value", "match_type", "harm", "source", "created_at", "added_by"]
    list_filter = ["match_type", "harm", "source"]
    search_fields = ["value", "source", "note"]
    readonly_fields = ["value", "match_type", "harm", "source", "note", "added_by", "created_at"]
    exclude = ["key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        actions.delete_known_links(request.user, [obj])

    def delete_queryset(self, request, queryset):
        actions.delete_known_links(request.user, queryset)
