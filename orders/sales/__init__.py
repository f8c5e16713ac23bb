"""The supplier side: customer orders from Jakamo's Sales Order API, confirmed, rejected and
delivered."""
