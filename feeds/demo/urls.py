"""Demo upstream routes, relative: the project mounts them with ``path("demo/", include(...))``."""

from django.urls import path

from feeds.demo import views

app_name = "demo"

urlpatterns = [
    path("api/v3/ticker/price", views.ticker_price, name="ticker-price"),
    path("api/v3/ticker/24hr", views.ticker_24hr, name="ticker-24hr"),
    path("apis/site/v2/sports/<str:sport>/<str:league>/scoreboard", views.scoreboard, name="scoreboard"),
]
