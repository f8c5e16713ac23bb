"""The buyer side: purchase orders sent to suppliers through Jakamo's Purchase Order API, their
confirmations reviewed, goods received."""
