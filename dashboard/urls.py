from django.urls import path

from dashboard import views

urlpatterns = [
    path("", views.index, name="index"),
    path("api/symbols", views.api_symbols, name="api-symbols"),
    path("api/history/<str:symbol>", views.api_history, name="api-history"),
    path("api/watchlist", views.api_watchlist, name="api-watchlist"),
]
