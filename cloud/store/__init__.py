"""PostgreSQL, the single source of truth, and the only place outside migrations where SQL is
written: the pool and migrations, then one module per topic (outbox, traces, devices, device
state, requests, missions, confirmations, scripts, reminders, commands, phrases, weather), each
typed functions over a connection or pool. The callers keep their transactions
(``async with conn.transaction()``); ``scripts/sql_in_store.py`` checks that no SQL leaks out."""
