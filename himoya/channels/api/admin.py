from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from himoya.channels.api.actions import revoke_token
from himoya.channels.api.models import Partner, PartnerToken


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_email", "created_at"]


@admin.action(description=_("Revoke the selected tokens"))
def revoke(modeladmin, request, queryset):
    for row in queryset.filter(revoked_at__isnull=True):
        revoke_token(row, by=request.user)
    messages.success(request, _("Tokens revoked."))


@admin.register(PartnerToken)
class PartnerTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with ``manage.py partner_token issue`` so the secret is shown once."""

    list_display = ["prefix", "partner", "label", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["partner"]
    readonly_fields = ["partner", "label", "prefix", "digest", "created_at", "last_used_at", "revoked_at"]
    actions = [revoke]

    def has_add_permission(self, request):
        return False
