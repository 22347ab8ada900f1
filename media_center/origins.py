"""Web origins of the sites allowed to embed the survey widget.

An origin ends up in two headers that a browser obeys: the embed page's
``Content-Security-Policy: frame-ancestors ...`` and ``Access-Control-Allow-Origin``. One stray
``;`` or space would add a directive of its own choosing to the policy, so an origin is accepted
only as scheme (``http``/``https``), host (a DNS name, international names as punycode, or an IP
address) and an optional port, and nothing else: no path, query, fragment, user name, space,
quote, semicolon or wildcard.
"""

from __future__ import annotations

import ipaddress
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_LENGTH = 200
_SHAPE = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s/?#@:\[\]]+)"
    r"(?::(?P<port>[0-9]{1,5}))?"
    r"/?\Z"
)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _refuse(message: str) -> ValidationError:
    return ValidationError({"origin": message}, code="invalid_origin")


def _ascii_host(host: str) -> str:
    """The host in the form browsers send in ``Origin``; ``ValueError`` if it is no host."""
    if host.startswith("["):
        address = ipaddress.IPv6Address(host[1:-1])
        return f"[{address.compressed}]"
    host = host.removesuffix(".")  # the fully qualified form names the same host
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError("not a host name") from exc
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError("not a host name")
    if all(label.isdigit() for label in labels):
        ipaddress.IPv4Address(ascii_host)  # 999.1.1.1 is neither a name nor an address
    return ascii_host


def normalise_origin(value: str) -> str:
    """``https://www.Example.go.id/`` → ``https://www.example.go.id``.

    Raises ``ValidationError`` (on the field ``origin``, with a message in the person's language)
    for anything that is not exactly scheme, host and optional port.
    """
    if not isinstance(value, str):
        raise _refuse(_("Give the site's address as text."))
    value = value.strip()
    if not value or len(value) > MAX_LENGTH:
        raise _refuse(
            _("Give the site's address with http:// or https://, e.g. https://www.example.go.id")
        )
    match = _SHAPE.match(value)
    if match is None:
        if "@" in value:
            raise _refuse(_("The address may not contain a user name."))
        raise _refuse(
            _(
                "Give only the scheme, the host and, if needed, the port, e.g. "
                "https://www.example.go.id or http://10.0.0.5:8080: no path, query, spaces, "
                "quotes, semicolons or wildcards."
            )
        )
    scheme = match["scheme"].lower()
    if scheme not in _DEFAULT_PORTS:
        raise _refuse(
            _("Give the site's address with http:// or https://, e.g. https://www.example.go.id")
        )
    try:
        host = _ascii_host(match["host"])
    except ValueError:
        raise _refuse(_("The host name in this address is not valid.")) from None
    port = int(match["port"]) if match["port"] else None
    if port is not None and not 1 <= port <= 65535:
        raise _refuse(_("The port in this address is not valid."))
    suffix = f":{port}" if port and port != _DEFAULT_PORTS[scheme] else ""
    return f"{scheme}://{host}{suffix}"


def is_clean_origin(value: str) -> bool:
    """Whether ``value`` is already an origin in its normal form (safe to put in a header)."""
    try:
        return normalise_origin(value) == value
    except ValidationError:
        return False


def validate_origin(value: str) -> None:
    """Model validator: the stored origin must be an origin in its normal form."""
    try:
        normal = normalise_origin(value)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict["origin"], code="invalid_origin") from None
    if normal != value:
        raise ValidationError(
            _("Store the site's address in its normal form: %(origin)s") % {"origin": normal},
            code="invalid_origin",
        )
