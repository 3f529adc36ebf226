"""The cloud brain: a stateless aiohttp service over PostgreSQL (being built)."""
