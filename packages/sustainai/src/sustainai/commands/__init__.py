"""Subcommands of the sustainai command line: one module per subcommand, each with ``register``."""
