"""Subcommands of the sustainai CLI: one module per subcommand, each with ``register``."""
