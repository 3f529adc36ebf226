"""The cloud brain: a stateless aiohttp service over PostgreSQL.

Edges connect to ``GET /v1/edge`` (a WebSocket of ``models.Envelope`` messages) with their device
token; requests are planned (rules, or a language model when configured), their effects and
replies committed together, and replies delivered at least once through a PostgreSQL outbox.
Start with ``cloud.app.run_cloud`` (or ``running_cloud`` to use the instance in-process).
"""
