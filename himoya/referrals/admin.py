from django import forms
from django.contrib import admin
from django.db import models

from himoya.referrals.models import PartnerOrganisation


@admin.register(PartnerOrganisation)
class PartnerOrganisationAdmin(admin.ModelAdmin):
    """The directory is edited here. Referrals are not: they hold case text and are read on the case page."""

    list_display = ["name", "kind", "country", "email", "url", "active"]
    list_filter = ["kind", "country", "active"]
    search_fields = ["name", "code", "email"]
    # A web address typed without a scheme is taken as https.
    formfield_overrides = {models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}}

    def get_readonly_fields(self, request, obj=None):
        # The code ties a shipped entry to the data file; it is chosen once.
        return ["code"] if obj else []
