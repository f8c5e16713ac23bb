"""A Jakamo simulator (PO, SO and ASN APIs over real HTTP, playing the other party) and a ShipHero
webhook sender, for the demo and the tests. Off unless SANDBOX_ENABLED."""
