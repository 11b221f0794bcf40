from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboard.admin_views import viewers_admin_view
from tickerproj import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("admin/viewers/", viewers_admin_view, name="ticker-viewers"),
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="dashboard/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("demo/", include("feeds.demo.urls")),
    path("", include("dashboard.urls")),
]
