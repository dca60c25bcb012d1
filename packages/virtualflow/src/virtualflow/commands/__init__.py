"""Subcommands of the virtualflow command line: one module per subcommand, each with ``register``."""
