"""The office's profile: its name, address and logo on pages and reports."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ..models import (
    OfficeProfile,
    User,
)
from .audit import audit_record

LOGO_MAX_BYTES = 512 * 1024


def office_profile_save(
    *,
    actor: User,
    name: str,
    parent: str = "",
    address: str = "",
    contact: str = "",
    logo: bytes | None = None,
    remove_logo: bool = False,
    request: HttpRequest | None = None,
) -> OfficeProfile:
    """Set the office's profile (one row); Kepala Dinas. The logo must be a PNG or JPEG picture
    of at most ``LOGO_MAX_BYTES`` (it is opened to check, not trusted by its name)."""
    from ..permissions import office_profile_policy

    if not office_profile_policy.user_has_permission(actor, "change"):
        raise PermissionDenied
    logo_type = ""
    if logo is not None:
        logo_type = _logo_type(logo)
    with transaction.atomic():
        profile, _created = OfficeProfile.objects.select_for_update().get_or_create(
            pk=1, defaults={"name": name}
        )
        profile.name, profile.parent = name.strip(), parent.strip()
        profile.address, profile.contact = address.strip(), contact.strip()
        if logo is not None:
            profile.logo, profile.logo_type = logo, logo_type
        elif remove_logo:
            profile.logo, profile.logo_type = b"", ""
        profile.full_clean()
        profile.save()
        audit_record(actor=actor, action="office_profile.update", target=profile, request=request)
    return profile


def _logo_type(data: bytes) -> str:
    import io

    from PIL import Image, UnidentifiedImageError

    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError({"logo": _("The logo is larger than 512 KB.")})
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ValidationError({"logo": _("The logo must be a PNG or JPEG picture.")}) from exc
    if kind not in {"PNG", "JPEG"}:
        raise ValidationError({"logo": _("The logo must be a PNG or JPEG picture.")})
    return "image/png" if kind == "PNG" else "image/jpeg"
