"""Hash lists in the admin: settings can be changed here; hashes are read-only (imports and
the case page add them, so each addition is audited)."""

from django.contrib import admin
from django.db import transaction

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.hashes import index
from himoya.hashes.models import BankedHash, BankImport, HashBank, Match


@admin.register(HashBank)
class HashBankAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "harm", "never_show", "max_distance", "min_quality", "enabled", "updated_at"]
    list_filter = ["enabled", "never_show", "harm"]
    search_fields = ["name", "source"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        log(Action.HASH_BANK_CHANGED, actor=request.user, bank=obj.pk, fields=sorted(form.changed_data), admin=True)
        index.banks_changed()

    def delete_model(self, request, obj):
        bank = obj.pk
        super().delete_model(request, obj)
        log(Action.HASH_BANK_CHANGED, actor=request.user, bank=bank, deleted=True, admin=True)
        index.banks_changed()

    def delete_queryset(self, request, queryset):
        banks = list(queryset.values_list("pk", flat=True))
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            log(Action.HASH_BANK_CHANGED, actor=request.user, banks=banks, deleted=True, admin=True)
            index.banks_changed()


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BankedHash)
class BankedHashAdmin(_ReadOnly):
    list_display = ["pdq_hex", "bank", "label", "added_by", "added_at"]
    list_filter = ["bank"]
    search_fields = ["label"]
    list_select_related = ["bank", "added_by"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BankImport)
class BankImportAdmin(_ReadOnly):
    list_display = ["bank", "file_name", "status", "rows", "added", "error_count", "requested_by", "created_at"]
    list_filter = ["status", "bank"]
    exclude = ["data"]


@admin.register(Match)
class MatchAdmin(_ReadOnly):
    list_display = ["created_at", "bank", "attachment", "distance"]
    list_filter = ["bank"]
    list_select_related = ["bank"]

    def has_delete_permission(self, request, obj=None):
        return False
