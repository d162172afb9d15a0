from django.urls import path

from himoya.links import views

app_name = "links"

urlpatterns = [
    path("", views.known_links, name="list"),
    path("import/", views.import_list, name="import"),
    path("import/<int:pk>/", views.import_status, name="import-status"),
    path("export.csv", views.export_list, name="export"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
