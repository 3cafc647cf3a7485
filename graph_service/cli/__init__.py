"""The ``graph-service`` command; each area registers its sub-commands in ``main.py``."""
