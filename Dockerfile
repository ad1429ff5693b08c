# Production image: slim, non-root, health-checked. Needs MONGODB_URI, REDIS_URL, JWT_SECRET,
# WECHAT_APPID and WECHAT_SECRET at run time (the server refuses to start with demo secrets).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    APP_MODE=production HOST=0.0.0.0 PORT=8000

WORKDIR /app
COPY requirements.txt .
# a CJK font for the documents the server renders (当场行政处罚决定书, models/decision_pdf.py)
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-compile -r requirements.txt \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin govservice

COPY config.py .
COPY wiring/ wiring/
COPY api/ api/
COPY handlers/ handlers/
COPY usecases/ usecases/
COPY models/ models/
COPY channels/ channels/
COPY exchange/ exchange/
COPY push/ push/
# the operators' console (static files, served at /console/)
COPY console/ console/

USER govservice
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/healthz', timeout=2)"]
# One process per core; SIGTERM stops accepting and lets requests in flight finish.
CMD ["python", "-m", "api", "--processes", "0"]
