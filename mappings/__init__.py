"""Integrations (API, environment, auth, encrypted credentials, paths) and company/user mappings."""
