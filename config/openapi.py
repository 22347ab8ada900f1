"""The API schema documents refusals too: every 4xx answer the API may give, with its shape.

drf-spectacular documents the successful answers it can see; this post-processing hook adds to
every operation the refusals that the authentication, permissions, parsers and views give
(``Error``: ``detail`` says why, or each refused field is listed with its reasons), so that
clients, and the schema-based tests, can rely on the schema for every answer.
"""

from __future__ import annotations

ERROR = {
    "type": "object",
    "description": (
        "Why the request was refused, in words for a person: `detail` for the request as a "
        "whole, or each refused field with the reasons it was refused."
    ),
    "properties": {
        "detail": {
            "oneOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}},
            ]
        },
        "code": {"type": "string"},
    },
    "additionalProperties": True,
}
REFUSALS = {
    "400": "The request is not valid (see the reasons).",
    "401": "The API token is missing, unknown or was revoked.",
    "403": "Signed in, but without the right to do this.",
    "404": "Nothing here, or nothing this person may see.",
    "415": "The request body is not in a media type this operation reads.",
    "429": "Too many attempts; wait before trying again.",
}
_BODY_METHODS = {"post", "put", "patch"}


def document_refusals(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", ERROR)
    reference = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, description in REFUSALS.items():
                if status == "415" and method not in _BODY_METHODS:
                    continue
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result


def forbid_unknown_fields(result, generator, request, public):
    """Request bodies take only the fields they list (``additionalProperties: false``), as the
    API refuses any other (``core.api.StrictFieldsMixin``): every component a request body
    uses, and the components nested in it."""
    components = result.get("components", {}).get("schemas", {})
    pending: list[dict] = []
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict):
                for content in (operation.get("requestBody") or {}).get("content", {}).values():
                    pending.append(content.get("schema") or {})
    done: set[str] = set()
    while pending:
        schema = pending.pop()
        reference = schema.get("$ref", "")
        if reference:
            name = reference.rsplit("/", 1)[-1]
            if name in done or name not in components:
                continue
            done.add(name)
            schema = components[name]
        if schema.get("type") == "object" and "properties" in schema:
            schema["additionalProperties"] = False
        for value in schema.get("properties", {}).values():
            pending.append(value)
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                pending.append(schema[key])
        for key in ("allOf", "oneOf", "anyOf"):
            pending.extend(s for s in schema.get(key, []) if isinstance(s, dict))
    return result
