"""What the cloud can do for a request: one module per capability (its action, rule,
language-model tool and carry_out), one table (``registry``), and what derives from it: the
planners, the dispatch and the plan view. Reminders' scheduler and taught phrases live here too."""
