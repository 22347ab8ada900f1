"""Every row and every file of a portal, in a form two portals can be compared by.

Rows are serialized with natural keys (so content type and group ids may differ), lists of
related rows sorted; files are named with their SHA-256. Run in the test process and in the
process that restored a backup, then compared.
"""

from __future__ import annotations

import json

from django.core import serializers
from django.core.files.storage import default_storage

from assets.integrity import referenced_names, storage_sha256
from media_center.backup import BY_NATURAL_KEY, included_models


def _canonical(row: dict) -> str:
    fields = {
        name: sorted(value, key=json.dumps) if isinstance(value, list) else value
        for name, value in row["fields"].items()
    }
    return json.dumps({"pk": row.get("pk"), "fields": fields}, sort_keys=True, default=str)


def snapshot() -> dict:
    rows = {}
    for model in included_models():
        label = model._meta.label_lower
        data = serializers.serialize(
            "python",
            model._base_manager.order_by(model._meta.pk.name),
            use_natural_foreign_keys=True,
            use_natural_primary_keys=label in BY_NATURAL_KEY,
        )
        rows[label] = sorted(_canonical(row) for row in data)
    files = {name: storage_sha256(default_storage, name)[0] for name in referenced_names()}
    return {"rows": rows, "files": files}
