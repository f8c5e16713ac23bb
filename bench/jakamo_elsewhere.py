"""Settings for a benchmark whose Jakamo (the built-in sandbox) keeps a database of its own, as the
real Jakamo does: the portal's settings, plus the alias ``jakamo`` (BENCH_JAKAMO_DATABASE_URL) that
the benchmark fills the sandbox's queue through. The sandbox server itself runs with that database
as its default."""

import environ

from jakamo_portal.settings import *  # noqa: F403
from jakamo_portal.settings import DATABASES

DATABASES = {**DATABASES, "jakamo": environ.Env().db("BENCH_JAKAMO_DATABASE_URL")}
if DATABASES["jakamo"]["ENGINE"] == "django.db.backends.sqlite3":
    # As the portal's own SQLite settings: wait for the lock, WAL, every commit flushed.
    DATABASES["jakamo"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
    }
