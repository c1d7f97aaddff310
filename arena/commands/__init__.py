"""Command-line sub-commands, one module per capability, registered in arena.cli."""
