from django.urls import path

from himoya.reports import views

app_name = "reports"

urlpatterns = [
    path("new/", views.enter_report, name="enter"),
]
