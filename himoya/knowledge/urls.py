"""Two sets of routes: the public advice pages and the staff editor (mounted in config/urls.py)."""

from django.urls import path

from himoya.knowledge import editor, views

public_patterns = (
    [
        path("", views.index, name="index"),
        path("<slug:key>/", views.article, name="article"),
        path("<slug:key>/leaflet-<str:size>.pdf", views.leaflet, name="leaflet"),
    ],
    "knowledge",
)

staff_patterns = (
    [
        path("", editor.article_list, name="list"),
        path("new/", editor.article_new, name="new"),
        path("pick/", editor.pick, name="pick"),
        path("leaflets/", editor.leaflet_batch, name="leaflets"),
        path("<int:pk>/", editor.article_edit, name="edit"),
        path("<int:pk>/submit/", editor.article_submit, name="submit"),
        path("<int:pk>/publish/", editor.article_publish, name="publish"),
        path("<int:pk>/unpublish/", editor.article_unpublish, name="unpublish"),
        path("<int:pk>/history/", editor.article_history, name="history"),
        path("<int:pk>/leaflet-<str:size>.pdf", editor.article_leaflet, name="leaflet"),
        path("<int:pk>/versions/<int:number>/", editor.version_detail, name="version"),
        path("<int:pk>/versions/<int:number>/restore/", editor.version_restore, name="restore"),
        path("<int:pk>/versions/<int:number>/publish/", editor.version_publish, name="publish_version"),
        path("<int:pk>/versions/<int:number>/decline/", editor.version_decline, name="decline_version"),
    ],
    "knowledge_staff",
)
