"""gunicorn for the portal: production (Procfile, systemd), the local production-like stack
(deploy/local-stack.sh) and the load benchmark use this same file."""

import multiprocessing
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Sync workers: pages are database-bound and short; two per core plus one is gunicorn's own advice.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# Above the slowest page, below a proxy's usual 60 s; Jakamo is never called inside a request
# except "Test connection", which has its own 5 s + 30 s timeouts.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "45"))
graceful_timeout = 30
# A worker is replaced after this many requests, so slow growth never becomes a leak.
max_requests = 2000
max_requests_jitter = 200
# The reverse proxy in front sets X-Forwarded-Proto; trust it only from where it runs.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
