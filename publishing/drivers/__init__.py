"""Platform drivers: one module per platform client.

``registry.get_driver(name)`` returns a configured driver; ``types.py`` holds the interface and
the data that crosses it, ``errors.py`` the typed errors, ``http.py`` the shared HTTP plumbing and
redaction. Adding a platform is adding a module here (see ``docs/platforms.md``).
"""

from importlib import import_module

# The order is the order of the platforms in ``registry.Platform``.
DRIVER_MODULES = ("facebook", "x", "instagram_graph", "instagram_private", "wordpress")


def load_all() -> None:
    for module in DRIVER_MODULES:
        import_module(f"{__name__}.{module}")
