from django.contrib import admin
from django.urls import include, path

from tickerproj import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("demo/", include("feeds.demo.urls")),
    path("", include("dashboard.urls")),
]
