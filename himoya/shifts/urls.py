from django.urls import path

from himoya.shifts import views

app_name = "shifts"

urlpatterns = [
    path("start/", views.start, name="start"),
    path("end/", views.end, name="end"),
]
