"""The relational schema: normalized (3NF), multi-organization, identical on SQLite and PostgreSQL.

Every table holding a client's data carries ``organization_id``; queries always filter on it.
Rows created by an import carry ``import_id`` so that ``arena import undo`` removes exactly them.
Money is ``Numeric(12, 2)`` (exact decimals), never float.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

JSONDocument = JSON().with_variant(JSONB(), "postgresql")
Money = Numeric(12, 2)
# Text that comes from ticketing exports (names, places, seats, references): no length limit, so
# a 150-character seat or tariff name loads instead of failing the whole import on PostgreSQL
# (SQLite never enforced the limits).
FileText = Text
# BigInteger ids on PostgreSQL; SQLite needs INTEGER PRIMARY KEY for rowid aliasing.
Id = BigInteger().with_variant(Integer(), "sqlite")


def _id() -> Column:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _org() -> Column:
    return Column(
        "organization_id",
        Id,
        ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
    )


def _import_ref() -> Column:
    """The import that created the row (null when created by hand or by the demo bootstrap)."""
    return Column("import_id", Id, ForeignKey("imports.id", ondelete="SET NULL"), nullable=True)


def _created_at() -> Column:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


organizations = Table(
    "organizations",
    metadata,
    _id(),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    _created_at(),
)

users = Table(
    "users",
    metadata,
    _id(),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("is_admin", Boolean, nullable=False, server_default="0"),
    _created_at(),
)

user_organizations = Table(
    "user_organizations",
    metadata,
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "organization_id",
        Id,
        ForeignKey("organizations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

ticketing_sources = Table(
    "ticketing_sources",
    metadata,
    _id(),
    _org(),
    Column("name", FileText, nullable=False),
    Column("vendor", String(50), nullable=True),
    UniqueConstraint("organization_id", "name"),
)

# --- geography (shared reference data, not owned by an organization) -----------------------

countries = Table(
    "countries",
    metadata,
    _id(),
    Column("iso2", String(2), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
)

regions = Table(
    "regions",
    metadata,
    _id(),
    Column("country_id", Id, ForeignKey("countries.id"), nullable=False),
    Column("code", String(10), nullable=False),
    Column("name", String(100), nullable=False),
    UniqueConstraint("country_id", "code"),
)

cities = Table(
    "cities",
    metadata,
    _id(),
    Column("country_id", Id, ForeignKey("countries.id"), nullable=False),
    Column("region_id", Id, ForeignKey("regions.id"), nullable=True),
    Column("name", FileText, nullable=False),
    Column("name_key", FileText, nullable=False),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    UniqueConstraint("country_id", "name_key"),
)

postal_codes = Table(
    "postal_codes",
    metadata,
    _id(),
    Column("country_id", Id, ForeignKey("countries.id"), nullable=False),
    Column("code", FileText, nullable=False),
    UniqueConstraint("country_id", "code"),
)

# A postal code may cover several cities and a city several postal codes.
city_postal_codes = Table(
    "city_postal_codes",
    metadata,
    Column("city_id", Id, ForeignKey("cities.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "postal_code_id",
        Id,
        ForeignKey("postal_codes.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

# --- venues, seasons, events and their catalogues --------------------------------------------

venues = Table(
    "venues",
    metadata,
    _id(),
    _org(),
    Column("name", FileText, nullable=False),
    Column("address", FileText, nullable=True),
    Column("city_id", Id, ForeignKey("cities.id"), nullable=True),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("capacity", Integer, nullable=True),
    _import_ref(),
    UniqueConstraint("organization_id", "name"),
)

seasons = Table(
    "seasons",
    metadata,
    _id(),
    _org(),
    Column("label", String(20), nullable=False),
    Column("starts_on", Date, nullable=True),
    Column("ends_on", Date, nullable=True),
    _import_ref(),
    UniqueConstraint("organization_id", "label"),
)

events = Table(
    "events",
    metadata,
    _id(),
    _org(),
    Column("name", FileText, nullable=False),
    Column("starts_at", DateTime, nullable=False),
    Column("event_type", String(20), nullable=False, server_default="other"),
    Column("venue_id", Id, ForeignKey("venues.id"), nullable=True),
    Column("season_id", Id, ForeignKey("seasons.id"), nullable=True),
    Column("fixed_capacity", Boolean, nullable=False, server_default="1"),
    Column("capacity", Integer, nullable=True),
    _import_ref(),
    UniqueConstraint("organization_id", "name", "starts_at"),
    CheckConstraint(
        "event_type in ('match', 'show', 'race', 'concert', 'exhibition', 'other')",
        name="event_type",
    ),
)
Index("ix_events_org_starts_at", events.c.organization_id, events.c.starts_at)

seat_categories = Table(
    "seat_categories",
    metadata,
    _id(),
    _org(),
    Column("name", FileText, nullable=False),
    Column("rank", Integer, nullable=True),
    _import_ref(),
    UniqueConstraint("organization_id", "name"),
)

event_categories = Table(
    "event_categories",
    metadata,
    Column("event_id", Id, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "category_id",
        Id,
        ForeignKey("seat_categories.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("capacity", Integer, nullable=True),
    Column("list_price", Money, nullable=True),
)

tariffs = Table(
    "tariffs",
    metadata,
    _id(),
    _org(),
    Column("name", FileText, nullable=False),
    Column("kind", String(20), nullable=False, server_default="other"),
    _import_ref(),
    UniqueConstraint("organization_id", "name"),
    CheckConstraint(
        "kind in ('full', 'reduced', 'season_ticket', 'group', 'free', 'other')", name="kind"
    ),
)

sales_channels = Table(
    "sales_channels",
    metadata,
    _id(),
    _org(),
    Column("name", FileText, nullable=False),
    Column("kind", String(20), nullable=False, server_default="other"),
    _import_ref(),
    UniqueConstraint("organization_id", "name"),
    CheckConstraint(
        "kind in ('web', 'box_office', 'phone', 'partner', 'mobile', 'other')", name="kind"
    ),
)

# --- customers, orders, tickets ----------------------------------------------------------

customers = Table(
    "customers",
    metadata,
    _id(),
    _org(),
    # email when present, else a stable hash of last name + first name + birth date + postal code
    Column("customer_key", String(320), nullable=False),
    Column("email", String(320), nullable=True),
    Column("first_name", FileText, nullable=True),
    Column("last_name", FileText, nullable=True),
    Column("gender", String(1), nullable=True),
    Column("birth_date", Date, nullable=True),
    Column("phone", String(20), nullable=True),
    Column("address", FileText, nullable=True),
    Column("postal_code_id", Id, ForeignKey("postal_codes.id"), nullable=True),
    Column("city_id", Id, ForeignKey("cities.id"), nullable=True),
    Column("country_id", Id, ForeignKey("countries.id"), nullable=True),
    _import_ref(),
    _created_at(),
    UniqueConstraint("organization_id", "customer_key"),
    CheckConstraint("gender in ('F', 'M')", name="gender"),
)
Index("ix_customers_org_email", customers.c.organization_id, customers.c.email)

orders = Table(
    "orders",
    metadata,
    _id(),
    _org(),
    Column("source_id", Id, ForeignKey("ticketing_sources.id"), nullable=False),
    Column("order_ref", FileText, nullable=False),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=True),
    Column("ordered_at", DateTime, nullable=True),
    _import_ref(),
    UniqueConstraint("organization_id", "source_id", "order_ref"),
)

tickets = Table(
    "tickets",
    metadata,
    _id(),
    _org(),
    Column("source_id", Id, ForeignKey("ticketing_sources.id"), nullable=False),
    Column("ticket_ref", FileText, nullable=False),
    Column("event_id", Id, ForeignKey("events.id"), nullable=False),
    Column("category_id", Id, ForeignKey("seat_categories.id"), nullable=True),
    Column("tariff_id", Id, ForeignKey("tariffs.id"), nullable=True),
    Column("channel_id", Id, ForeignKey("sales_channels.id"), nullable=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=True),
    Column("price", Money, nullable=False),
    Column("currency", String(3), nullable=False, server_default="EUR"),
    Column("purchased_at", DateTime, nullable=True),
    Column("seat", FileText, nullable=True),
    _import_ref(),
    UniqueConstraint("organization_id", "source_id", "ticket_ref"),
    CheckConstraint("price >= 0", name="price_not_negative"),
)
Index("ix_tickets_org_event", tickets.c.organization_id, tickets.c.event_id)
Index("ix_tickets_org_customer", tickets.c.organization_id, tickets.c.customer_id)
Index("ix_tickets_import", tickets.c.import_id)

season_tickets = Table(
    "season_tickets",
    metadata,
    _id(),
    _org(),
    Column("customer_id", Id, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("season_id", Id, ForeignKey("seasons.id"), nullable=False),
    Column("category_id", Id, ForeignKey("seat_categories.id"), nullable=True),
    Column("price", Money, nullable=True),
    _import_ref(),
    UniqueConstraint("organization_id", "customer_id", "season_id"),
)

# --- imports, their rejected rows and warnings, mapping templates -----------------------------

imports = Table(
    "imports",
    metadata,
    _id(),
    _org(),
    Column("source_id", Id, ForeignKey("ticketing_sources.id"), nullable=True),
    Column("file_name", FileText, nullable=False),
    Column("file_hash", String(64), nullable=False),
    Column("mapping", JSONDocument, nullable=False),
    Column("created_by", String(100), nullable=True),
    _created_at(),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("status", String(20), nullable=False, server_default="running"),
    Column("rows_read", Integer, nullable=False, server_default="0"),
    Column("rows_loaded", Integer, nullable=False, server_default="0"),
    Column("rows_rejected", Integer, nullable=False, server_default="0"),
    Column("rows_warned", Integer, nullable=False, server_default="0"),
    Column("message", Text, nullable=True),
    CheckConstraint(
        "status in ('running', 'completed', 'failed', 'undone', 'unchanged')", name="status"
    ),
)
Index("ix_imports_org_hash", imports.c.organization_id, imports.c.file_hash)

rejected_rows = Table(
    "rejected_rows",
    metadata,
    _id(),
    Column("import_id", Id, ForeignKey("imports.id", ondelete="CASCADE"), nullable=False),
    Column("line", Integer, nullable=False),
    Column("column_name", FileText, nullable=True),
    Column("raw_value", Text, nullable=True),
    Column("code", String(50), nullable=False),
    Column("message", Text, nullable=False),
    Column("record", JSONDocument, nullable=False),
)
Index("ix_rejected_rows_import", rejected_rows.c.import_id)

import_warnings = Table(
    "import_warnings",
    metadata,
    _id(),
    Column("import_id", Id, ForeignKey("imports.id", ondelete="CASCADE"), nullable=False),
    Column("line", Integer, nullable=False),
    Column("column_name", FileText, nullable=True),
    Column("raw_value", Text, nullable=True),
    Column("code", String(50), nullable=False),
    Column("message", Text, nullable=False),
)
Index("ix_import_warnings_import", import_warnings.c.import_id)

mapping_templates = Table(
    "mapping_templates",
    metadata,
    _id(),
    _org(),
    Column("source_id", Id, ForeignKey("ticketing_sources.id", ondelete="CASCADE"), nullable=False),
    Column("header_signature", String(64), nullable=False),
    Column("mapping", JSONDocument, nullable=False),
    _created_at(),
    UniqueConstraint("organization_id", "source_id", "header_signature"),
)

# --- flexible per-customer documents (embedded profile store) ---------------------------------

profile_documents = Table(
    "profile_documents",
    metadata,
    Column(
        "organization_id",
        Id,
        ForeignKey("organizations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("email", String(320), primary_key=True),
    Column("document", JSONDocument, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Secondary-index entries of a profile document, with Riak 2i semantics: an index named *_bin
# holds text values, *_int integer values (so range queries order numerically).
profile_index_entries = Table(
    "profile_index_entries",
    metadata,
    _id(),
    Column("organization_id", Id, nullable=False),
    Column("email", String(320), nullable=False),
    Column("index_name", String(100), nullable=False),
    Column("value_bin", String(320), nullable=True),
    Column("value_int", BigInteger, nullable=True),
    ForeignKeyConstraint(
        ["organization_id", "email"],
        ["profile_documents.organization_id", "profile_documents.email"],
        ondelete="CASCADE",
    ),
)
Index(
    "ix_profile_index_bin",
    profile_index_entries.c.organization_id,
    profile_index_entries.c.index_name,
    profile_index_entries.c.value_bin,
)
Index(
    "ix_profile_index_int",
    profile_index_entries.c.organization_id,
    profile_index_entries.c.index_name,
    profile_index_entries.c.value_int,
)
Index("ix_profile_index_owner", profile_index_entries.c.organization_id, profile_index_entries.c.email)

# --- yield management: the versioned price history of each event x category ------------------

# Every accept / tweak / reject / manual edit of a revenue manager appends rows here, never updates
# them: one save = one `version` of an event's prices (one row per category and selling day), so
# who changed what, when and why stays readable. `days_before` null means "from now to the event".
PRICE_DECISION_ACTIONS: tuple[str, ...] = ("recommended", "accepted", "tweaked", "rejected", "manual")
# The actions that put a price in force (a rejected or merely shown recommendation does not).
APPLIED_PRICE_ACTIONS: tuple[str, ...] = ("accepted", "tweaked", "manual")

price_decisions = Table(
    "price_decisions",
    metadata,
    _id(),
    _org(),
    Column("event_id", Id, ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column(
        "category_id", Id, ForeignKey("seat_categories.id", ondelete="CASCADE"), nullable=False
    ),
    Column("version", Integer, nullable=False),
    Column("days_before", Integer, nullable=True),
    Column("price", Money, nullable=False),
    Column("recommended_price", Money, nullable=True),
    Column("action", String(20), nullable=False),
    Column("decided_by", String(100), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("note", Text, nullable=True),
    UniqueConstraint("event_id", "category_id", "version", "days_before"),
    CheckConstraint(
        "action in ('recommended', 'accepted', 'tweaked', 'rejected', 'manual')", name="action"
    ),
    CheckConstraint("price > 0", name="price_positive"),
    CheckConstraint("days_before is null or days_before >= 0", name="days_before_not_negative"),
)
Index(
    "ix_price_decisions_org_event",
    price_decisions.c.organization_id,
    price_decisions.c.event_id,
    price_decisions.c.version,
)

# Derived from `tickets` (never edited by hand): the Overview reads these few thousand rows
# instead of scanning a million tickets seven times per render. Two grains, because one table
# keyed by day x category x tariff x channel would be nearly as large as the tickets.
# `refresh_sales_summary` in `arena.storage.analytics` rebuilds an organization's rows inside
# every import and undo.
sales_by_event_day = Table(
    "sales_by_event_day",
    metadata,
    _org(),
    Column("event_id", Id, ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("purchased_on", Date, nullable=True),
    Column("ticket_count", BigInteger, nullable=False),
    Column("revenue", Numeric(16, 2), nullable=False),
)
Index("ix_sales_by_event_day_org_event", sales_by_event_day.c.organization_id,
      sales_by_event_day.c.event_id)

sales_by_event_offer = Table(
    "sales_by_event_offer",
    metadata,
    _org(),
    Column("event_id", Id, ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("category_id", Id, nullable=True),
    Column("tariff_id", Id, nullable=True),
    Column("channel_id", Id, nullable=True),
    Column("ticket_count", BigInteger, nullable=False),
    Column("revenue", Numeric(16, 2), nullable=False),
)
Index("ix_sales_by_event_offer_org_event", sales_by_event_offer.c.organization_id,
      sales_by_event_offer.c.event_id)
