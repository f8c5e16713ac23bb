from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Portal",
            fields=[("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False))],
            options={
                "managed": False,
                "default_permissions": (),
                "permissions": [
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
                ],
            },
        ),
    ]
