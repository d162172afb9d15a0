from django.urls import path

from himoya.conversations import views

app_name = "conversations"

urlpatterns = [
    path("cases/<int:pk>/reply/", views.reply, name="reply"),
    path("canned/", views.canned_list, name="canned_list"),
    path("canned/new/", views.canned_new, name="canned_new"),
    path("canned/<int:pk>/", views.canned_edit, name="canned_edit"),
]
