from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations

SCHEDULES = {
    # Heartbeat for the health endpoint, then the alert check.
    "jakamo-watch": {"func": "operations.tasks.watch", "schedule_type": "I", "minutes": 1},
    # Daily at 07:00 and 03:30 local time: the purchasers' digest, the retention of raw bodies.
    "jakamo-digest": {"func": "operations.tasks.daily_digest", "schedule_type": "D", "at": time(7, 0)},
    "jakamo-retention": {"func": "operations.tasks.retention", "schedule_type": "D", "at": time(3, 30)},
}


def _next(at: time) -> datetime:
    tz = ZoneInfo(settings.TIME_ZONE)
    now = datetime.now(tz)
    run = datetime.combine(now.date(), at, tzinfo=tz)
    return run if run > now else run + timedelta(days=1)


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, spec in SCHEDULES.items():
        spec = dict(spec)
        at = spec.pop("at", None)
        defaults = {**spec, "repeats": -1}
        if at is not None:
            defaults["next_run"] = _next(at)
        Schedule.objects.update_or_create(name=name, defaults=defaults)


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [("operations", "0001_initial"), ("django_q", "0018_task_success_index")]
    operations = [migrations.RunPython(create, remove)]
