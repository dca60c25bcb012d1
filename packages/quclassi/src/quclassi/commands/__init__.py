"""Subcommands of the quclassi command line: one module per subcommand, each with ``register``."""
