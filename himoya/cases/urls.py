from django.urls import path

from himoya.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/release/", views.release, name="release"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/note/", views.note, name="note"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]
