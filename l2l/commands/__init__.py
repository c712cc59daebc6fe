"""Subcommands of the l2l command line that live in their own modules."""
