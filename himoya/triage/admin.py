from django.contrib import admin

from himoya.triage.models import LexiconPhrase
from himoya.triage.service import phrases_changed


@admin.register(LexiconPhrase)
class LexiconPhraseAdmin(admin.ModelAdmin):
    """Supervisors extend the triage lexicons here; every process picks the change up."""

    list_display = ["phrase", "harm", "language", "weight", "tag", "active", "updated_at"]
    list_filter = ["harm", "language", "active"]
    search_fields = ["phrase"]
    readonly_fields = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        phrases_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        phrases_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        phrases_changed()
