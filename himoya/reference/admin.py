from django.contrib import admin

from himoya.reference.models import HarmCategory, Region


@admin.register(HarmCategory)
class HarmCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "__str__", "default_urgency", "restricted", "chi_category", "ncmec_incident_type", "active"]
    readonly_fields = ["code"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "country", "__str__", "active"]
    list_filter = ["country", "active"]
