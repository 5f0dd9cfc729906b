"""The ``espace-sante`` command line: one module a group of commands, each calling the use cases."""
