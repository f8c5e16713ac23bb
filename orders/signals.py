"""What other apps may listen to (the ERP gateway passes decided confirmations on)."""

from django.dispatch import Signal

# Sent inside the decision's transaction with ``confirmation`` (orders.Confirmation) once the
# purchaser has accepted the supplier's confirmation.
confirmation_accepted = Signal()
