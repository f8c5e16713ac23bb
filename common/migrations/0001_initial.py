import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

PERMISSIONS = [
    ("view_purchase_orders", "View purchase orders"),
    ("manage_purchase_orders", "Create, revise and cancel purchase orders"),
    ("review_confirmations", "Review supplier confirmations"),
    ("receive_goods", "Receive goods"),
    ("view_sales_orders", "View sales orders"),
    ("confirm_sales_orders", "Confirm sales orders"),
    ("deliver_sales_orders", "Mark sales orders delivered"),
    ("view_shipments", "View shipments"),
    ("manage_integrations", "Manage integrations and credentials"),
    ("manage_mappings", "Manage company and user mappings"),
    ("view_message_history", "Read the message history"),
    ("reprocess_messages", "Reprocess and resend messages"),
    ("use_sandbox", "Use the Jakamo sandbox"),
]

# The roles as they were when this migration was written; common.roles.ensure_roles() sets the
# current ones (a migration never imports live code, which may change after it).
ROLES = {
    "Purchasers": [
        "view_purchase_orders",
        "manage_purchase_orders",
        "review_confirmations",
        "receive_goods",
        "view_shipments",
        "use_sandbox",
    ],
    "Sales": ["view_sales_orders", "confirm_sales_orders", "deliver_sales_orders", "view_shipments", "use_sandbox"],
    "Integration admins": ["manage_integrations", "manage_mappings", "view_message_history", "use_sandbox"],
    "Support": [
        "view_purchase_orders",
        "view_sales_orders",
        "view_shipments",
        "view_message_history",
        "reprocess_messages",
        "use_sandbox",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); make ours exist now.
    app_config = apps.get_app_config("common")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(Permission.objects.filter(content_type__app_label="common", codename__in=codenames))


class Migration(migrations.Migration):
    initial = True
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Portal",
            fields=[("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False))],
            options={"managed": False, "default_permissions": (), "permissions": PERMISSIONS},
        ),
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.CreateModel(
            name='StatusChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('model', models.CharField(max_length=100)),
                ('object_id', models.BigIntegerField()),
                ('field', models.CharField(max_length=40)),
                ('before', models.CharField(blank=True, max_length=40)),
                ('after', models.CharField(max_length=40)),
                ('why', models.CharField(blank=True, max_length=500)),
                ('inbox_id', models.BigIntegerField(blank=True, null=True)),
                ('outbox_id', models.BigIntegerField(blank=True, null=True)),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['at', 'pk'],
                'indexes': [models.Index(fields=['model', 'object_id'], name='common_stat_model_db27d5_idx')],
            },
        ),
    ]
