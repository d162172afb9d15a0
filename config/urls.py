from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from himoya.channels.api.views import api
from himoya.ops import views as ops

# The admin asks for the second factor too.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("api/", api.urls),
    path("healthz", ops.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(
    path("staff/", include("himoya.accounts.urls")),
    path("staff/cases/", include("himoya.cases.urls")),
    path("staff/reports/", include("himoya.reports.urls")),
    path("staff/admin/", admin.site.urls),
    path("", include("himoya.channels.web.urls")),
    prefix_default_language=True,
)

handler400 = "himoya.ops.views.bad_request"
handler403 = "himoya.ops.views.forbidden"
handler404 = "himoya.ops.views.not_found"
handler500 = "himoya.ops.views.server_error"
