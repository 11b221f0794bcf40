from django.contrib import admin
from django.urls import include, path

from dashboard.admin_views import viewers_admin_view

urlpatterns = [
    path("admin/viewers/", viewers_admin_view, name="ticker-viewers"),
    path("admin/", admin.site.urls),
    path("demo/", include("feeds.demo.urls")),
    path("", include("dashboard.urls")),
]
