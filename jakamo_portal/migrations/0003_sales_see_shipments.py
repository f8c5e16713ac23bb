import importlib

from django.db import migrations

# The same step as 0002: it sets every role's permissions from roles.ROLE_PERMISSIONS as they are now.
create_roles = importlib.import_module("jakamo_portal.migrations.0002_roles").create_roles


class Migration(migrations.Migration):
    dependencies = [("jakamo_portal", "0002_roles")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
