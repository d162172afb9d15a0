from django.urls import path

from himoya.channels.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("report/done/", views.report_done, name="report_done"),
    path("status/", views.status, name="status"),
    path("status/case/", views.conversation, name="conversation"),
    path("status/leave/", views.leave, name="leave"),
]
