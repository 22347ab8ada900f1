"""The access table (``tests/access_table.toml``): who may reach each address of the portal.

Each case names an address (``url``, a URL name; the case's own name when absent), optionally its
arguments as attribute paths of the populated portal (``args``) or the index of its example in
``tests/security/pages.py`` (``example``), the method (``get`` unless told) and form data
(``data``; a value starting with ``@`` is a path), and in ``expect`` for every role the answer:

``ok`` (2xx), ``login`` (sent to the login page), ``redirect`` (sent elsewhere), or the status
code itself (``"400"``, ``"401"``, ``"403"``, ``"404"``, ``"405"``).

Roles: ``anonymous``; ``staf``, ``editor`` (Pengelolaan Komunikasi Publik, the division that owns
the demo folders, channels and website); ``other_division`` (a Staf of another division);
``kadis`` (Kepala Dinas) and ``admin``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.urls import reverse

TABLE = Path(__file__).resolve().parent.parent / "access_table.toml"
ROLES = ["anonymous", "staf", "editor", "other_division", "kadis", "admin"]
PEOPLE = {"other_division": "staf_other"}
ANSWERS = {"ok", "login", "redirect", "400", "401", "403", "404", "405"}


@dataclass(frozen=True)
class Case:
    key: str
    url: str
    expected: dict[str, str]
    args: dict[str, str] = field(default_factory=dict)
    example: int = 0
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def address(self, portal: Any) -> str:
        """The address walked: from ``args``, or else the ``example``-th example arguments of
        ``tests/security/pages.py`` when the address takes arguments."""
        from .pages import URL_ARGUMENTS

        kwargs = {name: resolve(portal, path) for name, path in self.args.items()}
        if not kwargs and self.url in URL_ARGUMENTS:
            examples = URL_ARGUMENTS[self.url](portal)
            examples = examples if isinstance(examples, list) else [examples]
            kwargs = examples[self.example]
        return reverse(self.url, kwargs=kwargs or None)

    def form(self, portal: Any) -> dict[str, Any]:
        return {
            name: (
                resolve(portal, value[1:]) if isinstance(value, str) and value[:1] == "@" else value
            )
            for name, value in self.data.items()
        }


def resolve(portal: Any, path: Any) -> Any:
    """``"photo.pk"`` → ``portal.photo.pk``; a value that is not a path is used as it is."""
    if not isinstance(path, str) or not path or path[0] == "=":
        return path[1:] if isinstance(path, str) and path[:1] == "=" else path
    value = portal
    for part in path.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value


def load() -> list[Case]:
    with TABLE.open("rb") as handle:
        raw = tomllib.load(handle)
    cases = []
    for key, entry in raw.items():
        expected = {role: str(answer) for role, answer in entry.get("expect", {}).items()}
        cases.append(
            Case(
                key=key,
                url=entry.get("url", key),
                expected=expected,
                args=dict(entry.get("args", {})),
                example=int(entry.get("example", 0)),
                method=entry.get("method", "get"),
                data=dict(entry.get("data", {})),
                note=entry.get("note", ""),
            )
        )
    return cases


def answer_of(response: Any) -> str:
    """The answer class of a response, as the table writes it."""
    code = response.status_code
    if 200 <= code < 300:
        return "ok"
    if code in (301, 302, 303, 307, 308):
        location = response.get("Location", "")
        return "login" if reverse("accounts:login") in location.split("?")[0] else "redirect"
    return str(code)
