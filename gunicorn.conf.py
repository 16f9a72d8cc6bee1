"""gunicorn settings for Homeward: ``gunicorn -c gunicorn.conf.py web.wsgi:app``.

Everything an operator changes comes from the environment (docs/operations.md):

- ``WEB_CONCURRENCY``: worker processes (default 2 x CPUs + 1, at most 8: each worker
  keeps about 5 PostgreSQL connections open, and a primary's ``max_connections`` is
  shared by every web host and projection worker; docs/operations.md has the budget).
- ``GUNICORN_BIND``: address (default ``0.0.0.0:5000``; ``PORT`` alone also works).
- ``GUNICORN_TIMEOUT``: seconds a request may take before its worker is replaced.
- ``FORWARDED_ALLOW_IPS``: the proxies whose ``X-Forwarded-Proto``/``-For`` are
  believed (default ``127.0.0.1``).  Set it to the reverse proxy's address, never ``*``
  on a host the public can reach: the session cookie is ``Secure`` and HSTS is sent
  only when the request is known to have come over HTTPS.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


#: Workers: gunicorn's usual 2 x CPUs + 1, capped (see the module docstring).
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
worker_class = "sync"
bind = [os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 5000)}"]

# Each worker builds the app itself, so that no connection pool or open SQLite
# handle is shared across a fork.
preload_app = False

timeout = _int("GUNICORN_TIMEOUT", 60)          # exports stream; the slowest page is < 5 s
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycle workers now and then (with jitter, so they do not all restart at once).
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = 200

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs go to stdout/stderr for the container runtime or journald to collect.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The path without its query string (%(U)s, never %(r)s or %(q)s): a query could
# hold a name or an ID number.  No referrer either, for the same reason.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'

# Keep the request line and headers small; forms are posted in the body.
limit_request_line = 4094
limit_request_fields = 100

proc_name = "homeward-web"
