"""The bot's own state (subscriptions, deliveries, watchlists, meta) on SQLite or PostgreSQL.

``protocol`` is the one interface both engines implement (and pass the same contract tests);
``open`` picks the engine for MARKETBOT_DB. The engines import the protocol, never each other.
"""
