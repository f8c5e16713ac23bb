"""Pure-Python Jakamo protocol library: hardened XML, UBL and StatusMessage builders/parsers, the
ASN and ShipHero JSON readers, the error-text table and an HTTP client. No Django in here."""
