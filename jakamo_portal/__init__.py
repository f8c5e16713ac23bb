"""Jakamo Portal: the Django project (settings, URLs, roles, the home dashboard)."""
