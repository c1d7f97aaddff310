"""Storage adapters: the only code that touches SQLAlchemy, SQL dialects and Riak's HTTP API."""
