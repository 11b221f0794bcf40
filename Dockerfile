# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN useradd --system --uid 10001 ticker && chown -R ticker /app
USER ticker
EXPOSE 8000 9101 9102
CMD ["uvicorn", "tickerproj.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--lifespan", "on", \
     "--loop", "uvloop", "--http", "httptools", "--ws", "websockets-sansio", "--backlog", "4096", \
     "--ws-per-message-deflate", "false", "--ws-max-size", "16384", \
     "--ws-ping-interval", "20", "--ws-ping-timeout", "20", "--log-level", "warning", "--timeout-graceful-shutdown", "5"]
