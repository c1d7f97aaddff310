"""Arena: open-source ticketing intelligence for venues."""

__version__ = "0.1.0"
