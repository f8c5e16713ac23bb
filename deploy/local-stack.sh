#!/usr/bin/env bash
# A production-like stack on this machine: production settings (JAKAMO_ENV=production), PostgreSQL,
# Redis as task broker and cache when it answers, static files collected and served by WhiteNoise,
# gunicorn with deploy/gunicorn.conf.py, and the django-q2 cluster, run together from the Procfile.
#
#   make prodlike                       # or: deploy/local-stack.sh
#   PRODLIKE_DB=postgres://postgres@127.0.0.1:5432/jakamo_prodlike PORT=8100 deploy/local-stack.sh
#
# Differences from a real deployment, all because there is no TLS proxy in front: cookies are not
# marked Secure and there is no HTTPS redirect. The sandbox is on (JAKAMO_SANDBOX_ENABLED) so the
# stack has a Jakamo to talk to; `PRODLIKE_DEMO=1` also loads the demo data. Secrets are generated
# once into .prodlike.env and reused.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
DB_URL=${PRODLIKE_DB:-postgres://postgres@127.0.0.1:5432/jakamo_prodlike}
REDIS=${PRODLIKE_REDIS:-redis://127.0.0.1:6379/3}
PORT=${PORT:-8100}

make --no-print-directory venv

if [ ! -f .prodlike.env ]; then
  "$BIN/python" - > .prodlike.env <<'PY'
import secrets
from cryptography.fernet import Fernet
print(f"SECRET_KEY={secrets.token_urlsafe(50)}")
print(f"FIELD_ENCRYPTION_KEYS={Fernet.generate_key().decode()}")
PY
  chmod 600 .prodlike.env
fi
set -a
# shellcheck disable=SC1091
. ./.prodlike.env
JAKAMO_ENV=production
DATABASE_URL=$DB_URL
ALLOWED_HOSTS=127.0.0.1,localhost
PORTAL_BASE_URL=http://127.0.0.1:$PORT
SECURE_SSL_REDIRECT=false
SESSION_COOKIE_SECURE=false
CSRF_COOKIE_SECURE=false
JAKAMO_SANDBOX_ENABLED=true
STATIC_ROOT=$PWD/staticfiles
PORT=$PORT
set +a

# The database, created if missing (trust auth on this machine; a real one has a password).
"$BIN/python" - "$DB_URL" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit
import psycopg
parts = urlsplit(sys.argv[1])
name = parts.path.lstrip("/")
admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
with psycopg.connect(admin, autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
        print(f"created database {name}")
PY

if "$BIN/python" -c "import redis, sys; redis.from_url(sys.argv[1]).ping()" "$REDIS" 2>/dev/null; then
  export REDIS_URL=$REDIS
  echo "task broker and cache: Redis at $REDIS"
else
  echo "task broker: PostgreSQL (Redis at $REDIS does not answer)"
fi

"$BIN/python" manage.py check --deploy --fail-level ERROR
"$BIN/python" manage.py migrate --verbosity 0
"$BIN/python" manage.py collectstatic --noinput --verbosity 0
if [ "${PRODLIKE_DEMO:-0}" = "1" ]; then
  "$BIN/python" manage.py demo_setup
fi

echo "Production-like stack on http://127.0.0.1:$PORT (gunicorn + task cluster; Ctrl-C stops both)"
# The Procfile's commands, with the virtualenv's programs.
PATH="$PWD/$BIN:$PATH" exec "$BIN/honcho" --procfile Procfile start
