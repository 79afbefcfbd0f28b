"""The commands, a module per resource: ``serve``, ``versions`` (validate, preview, deploy,
definitions, deployment), ``actors`` (spawn, send, get, history, decisions, actors, release),
``timers`` (timers, schedule, unschedule), ``changes``, ``keys``, ``webhooks``, ``store`` (backup, restore, rotate-key) and ``demo``."""
