from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from himoya.channels.api.views import api
from himoya.channels.telegram import views as telegram
from himoya.knowledge.urls import public_patterns as knowledge_public
from himoya.knowledge.urls import staff_patterns as knowledge_staff
from himoya.ops import views as ops

# The admin asks for the second factor too.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("api/", api.urls),
    path("healthz", ops.health, name="health"),
    path("telegram/webhook", telegram.webhook, name="telegram-webhook"),
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(
    path("staff/", include("himoya.accounts.urls")),
    path("staff/cases/", include("himoya.cases.urls")),
    path("staff/conversations/", include("himoya.conversations.urls")),
    path("staff/reports/", include("himoya.reports.urls")),
    path("staff/triage/", include("himoya.triage.urls")),
    path("staff/hash-lists/", include("himoya.hashes.urls")),
    path("staff/known-links/", include("himoya.links.urls")),
    path("staff/admin/", admin.site.urls),
    path("staff/advice/", include(knowledge_staff)),
    path("advice/", include(knowledge_public)),
    path("", include("himoya.awareness.urls")),  # /join/, /s/<code>/, /screen/<key>/, /staff/awareness/
    path("", include("himoya.channels.web.urls")),
    prefix_default_language=True,
)

handler400 = "himoya.ops.views.bad_request"
handler403 = "himoya.ops.views.forbidden"
handler404 = "himoya.ops.views.not_found"
handler500 = "himoya.ops.views.server_error"
