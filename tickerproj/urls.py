from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("demo/", include("feeds.demo.urls")),
    path("", include("dashboard.urls")),
]
