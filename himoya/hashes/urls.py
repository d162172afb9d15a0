from django.urls import path

from himoya.hashes import views

app_name = "hashes"

urlpatterns = [
    path("", views.bank_list, name="list"),
    path("new/", views.bank_create, name="create"),
    path("<int:pk>/", views.bank_detail, name="detail"),
    path("<int:pk>/import/", views.bank_import, name="upload"),
    path("<int:pk>/export/", views.bank_export, name="export"),
    path("imports/<int:pk>/", views.import_status, name="import"),
    path("pictures/<int:pk>/add/", views.bank_attachment, name="bank_attachment"),
    path("picture-settings/", views.preferences, name="preferences"),
]
