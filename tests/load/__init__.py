"""Sustained load: ``make load`` (``python -m tests.load``) and a short run in the suite."""
