from django.urls import path

from himoya.awareness import staff_views, views

app_name = "awareness"

urlpatterns = [
    # Pupils (public, no account) and the projector.
    path("join/", views.join, name="join"),
    path("join/<str:code>/", views.join_session, name="join_session"),
    path("s/<str:code>/", views.participate, name="participate"),
    path("s/<str:code>/answer/<int:activity_id>/", views.vote, name="vote"),
    path("s/<str:code>/ask/", views.ask, name="ask"),
    path("s/<str:code>/questions/<int:question_id>/up/", views.upvote, name="upvote"),
    path("screen/<str:key>/", views.screen, name="screen"),
    # Trainers.
    path("staff/awareness/", staff_views.session_list, name="list"),
    path("staff/awareness/new/", staff_views.session_new, name="new"),
    path("staff/awareness/<int:pk>/", staff_views.session_detail, name="session"),
    path("staff/awareness/<int:pk>/delete/", staff_views.session_delete, name="delete"),
    path("staff/awareness/<int:pk>/activities/", staff_views.activity_add, name="activity_add"),
    path(
        "staff/awareness/<int:pk>/activities/<int:activity_id>/<str:what>/",
        staff_views.activity_change,
        name="activity_change",
    ),
    path("staff/awareness/<int:pk>/present/", staff_views.present, name="present"),
    path("staff/awareness/<int:pk>/control/<str:what>/", staff_views.control, name="control"),
    path("staff/awareness/<int:pk>/questions/", staff_views.moderation, name="moderation"),
    path(
        "staff/awareness/<int:pk>/questions/<int:question_id>/<str:decision>/",
        staff_views.moderate,
        name="moderate",
    ),
    path("staff/awareness/<int:pk>/results/", staff_views.results, name="results"),
    path("staff/awareness/<int:pk>/results.csv", staff_views.results_csv, name="results_csv"),
    path("staff/awareness/<int:pk>/summary.pdf", staff_views.summary_pdf, name="summary_pdf"),
]
