"""Platform drivers: one module per platform client, behind the interface in ``base.py``."""
