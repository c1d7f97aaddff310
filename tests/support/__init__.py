"""Test support: database fixtures and local stand-ins for third-party web services."""
