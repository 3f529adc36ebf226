"""PostgreSQL, the single source of truth: the pool, migrations, the outbox, traces, devices."""
