"""What the health endpoint checks: the database answers, and the task cluster is alive (its
scheduler ran the watch task recently and a worker carried it out)."""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from .models import Heartbeat


def check() -> dict:
    result = {"database": {"ok": False}, "cluster": {"ok": False}}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        result["database"] = {"ok": True, "vendor": connection.vendor}
    except DatabaseError as exc:
        result["database"] = {"ok": False, "error": str(exc).splitlines()[0][:200]}
        result["cluster"] = {"ok": False, "error": "unknown: the database is unreachable"}
        result["ok"] = False
        return result
    beat = Heartbeat.objects.filter(name="cluster").first()
    limit = settings.HEALTH_HEARTBEAT_MAX_AGE
    if beat is None:
        result["cluster"] = {"ok": False, "error": "no heartbeat yet: is the task cluster (qcluster) running?"}
    else:
        age = (timezone.now() - beat.at).total_seconds()
        result["cluster"] = {
            "ok": age <= limit,
            "last_heartbeat": beat.at.isoformat(),
            "age_seconds": round(age),
            "max_age_seconds": limit,
            "node": beat.node,
        }
        if age > limit:
            result["cluster"]["error"] = f"the last heartbeat is {round(age)} s old (limit {limit} s)"
    result["ok"] = result["database"]["ok"] and result["cluster"]["ok"]
    return result
