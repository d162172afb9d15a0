from django.contrib import admin

from himoya.knowledge.models import Article, ArticleVersion


class ReadOnly(admin.ModelAdmin):
    """Shown for inspection only: articles are written in the editor (/staff/advice/),
    whose actions keep versions, the audit trail and the search index."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(ReadOnly):
    list_display = ["key", "language", "title", "status", "version", "review_due", "updated_at"]
    list_filter = ["language", "status"]
    search_fields = ["key", "title"]


@admin.register(ArticleVersion)
class ArticleVersionAdmin(ReadOnly):
    list_display = ["article", "number", "state", "created_by", "created_by_label", "created_at"]
    list_filter = ["state"]
