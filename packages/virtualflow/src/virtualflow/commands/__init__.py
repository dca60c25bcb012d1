"""Subcommands of the virtualflow CLI: one module per subcommand, each with ``register``."""
