from django.urls import path

from dashboard.consumers import TickerConsumer

websocket_urlpatterns = [path("ws/ticker/", TickerConsumer.as_asgi())]
