# The production image: Homeward on PostgreSQL, served by gunicorn as a non-root user.
#
#   docker build -t homeward:1.0 .
#   docker run --env-file homeward.env -p 5000:5000 homeward:1.0            # web (gunicorn)
#   docker run --env-file homeward.env homeward:1.0 homeward projections run # projection worker
#
# deploy/compose.yaml runs two of each beside PostgreSQL; docs/operations.md explains the rest.
# Base images are pinned by version (never `latest`); pin them by digest in your registry.

# --- build: a virtualenv with Homeward and its dependencies (the only stage that downloads)
FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/homeward
WORKDIR /src
COPY pyproject.toml setup.cfg README.md ./
COPY domain ./domain
COPY application ./application
COPY infrastructure ./infrastructure
COPY web ./web
RUN /opt/homeward/bin/pip install . \
 && /opt/homeward/bin/python -m compileall -q /opt/homeward

# --- runtime: no compilers, no pip downloads, nothing fetched when a container starts
FROM python:3.11.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/homeward/bin:$PATH \
    HOMEWARD_ENV=production \
    HOMEWARD_INSTANCE_PATH=/var/lib/homeward \
    PORT=5000
RUN groupadd --system --gid 10001 homeward \
 && useradd --system --uid 10001 --gid homeward --home-dir /var/lib/homeward \
            --create-home --shell /usr/sbin/nologin homeward
COPY --from=build /opt/homeward /opt/homeward
WORKDIR /app
COPY gunicorn.conf.py ./

# The instance folder holds the compiled translations (written at start-up); keys and
# HOMEWARD_DATABASE_URL come from the environment, and start-up stops without them.
USER 10001:10001
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '5000'), timeout=4)"]
CMD ["gunicorn", "--config", "/app/gunicorn.conf.py", "web.wsgi:app"]
