FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
EXPOSE 8000
CMD ["uvicorn", "tickerproj.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--lifespan", "on", "--ws-per-message-deflate", "false", "--ws-max-size", "16384", "--ws-ping-interval", "20", "--ws-ping-timeout", "20"]
