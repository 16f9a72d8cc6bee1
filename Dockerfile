# The production image: Homeward on PostgreSQL, served as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOMEWARD_ENV=production \
    HOMEWARD_INSTANCE_PATH=/var/lib/homeward

WORKDIR /app
COPY pyproject.toml setup.cfg README.md ./
COPY domain ./domain
COPY application ./application
COPY infrastructure ./infrastructure
COPY web ./web
RUN pip install --no-cache-dir . \
 && useradd --system --home-dir /var/lib/homeward --create-home homeward

USER homeward
EXPOSE 5000
# Keys and HOMEWARD_DATABASE_URL come from the environment; start-up stops without them.
CMD ["homeward", "run", "--host", "0.0.0.0", "--port", "5000"]
