from django.urls import path

from himoya.triage import views

app_name = "triage"

urlpatterns = [
    path("agreement/", views.agreement, name="agreement"),
]
