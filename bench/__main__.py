"""`python -m bench`: run every benchmark module in this folder that has a ``main()``."""

import importlib
import pkgutil
from pathlib import Path

for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
    if module.name.startswith("_"):
        continue
    loaded = importlib.import_module(f"bench.{module.name}")
    if hasattr(loaded, "main"):
        print(f"== bench.{module.name}")
        loaded.main()
