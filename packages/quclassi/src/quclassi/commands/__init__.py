"""Subcommands of the quclassi CLI: one module per subcommand, each with ``register``."""
