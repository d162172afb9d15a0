from django.urls import path

from himoya.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.sign_in, name="login"),
    path("login/verify/", views.verify, name="verify"),
    path("logout/", views.sign_out, name="logout"),
    path("setup/<str:token>/", views.setup, name="setup"),
]
