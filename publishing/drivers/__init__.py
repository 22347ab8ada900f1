"""Platform drivers: one module per platform client, behind the interface in ``base.py``.

``get_driver(name)`` returns a configured driver; see ``base.py`` for the interface, the data
that crosses it and the errors.
"""

from importlib import import_module

DRIVER_MODULES = ("facebook", "instagram_graph", "instagram_private", "x")


def load_all() -> None:
    for module in DRIVER_MODULES:
        import_module(f"{__name__}.{module}")
