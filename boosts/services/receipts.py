"""Receipts of a boost (Meta's invoice, the payment proof, the SPJ), filed as assets in the
library's restricted finance folder: "Keuangan - Promosi Berbayar / <year>"."""

from __future__ import annotations

from typing import BinaryIO

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from assets.models import Folder
from assets.services import DuplicateAsset, asset_create_from_file, folder_create

from ..models import BoostReceipt, BoostRequest, ReceiptKind
from ..permissions import receipt_policy
from .common import require, step

FINANCE_FOLDER = "Keuangan - Promosi Berbayar"


def finance_folder(boost: BoostRequest) -> Folder:
    """The restricted folder of the boost's division for its year's receipts (made when
    missing): only the division and those given rights see it."""
    top = Folder.objects.filter(
        parent=None, name__iexact=FINANCE_FOLDER, division=boost.division
    ).first()
    if top is None:
        top = folder_create(
            actor=None, name=FINANCE_FOLDER, division=boost.division, restricted=True
        )
    year = str(boost.budget_line.year)
    found = Folder.objects.filter(parent=top, name=year).first()
    return found or folder_create(actor=None, name=year, parent=top)


def receipt_add(
    *,
    actor: User,
    boost: BoostRequest,
    kind: str,
    fileobj: BinaryIO,
    filename: str,
    note: str = "",
) -> BoostReceipt:
    """File a receipt of the boost. The same file filed before (the same bytes) is linked, not
    stored twice."""
    require(
        receipt_policy.user_has_permission_for_instance(actor, "add", BoostReceipt(boost=boost)),
        _("You may not file receipts of this boost."),
    )
    kind = kind if kind in ReceiptKind.values else ReceiptKind.OTHER
    folder = finance_folder(boost)
    title = f"{ReceiptKind(kind).label} - {boost}"
    try:
        asset = asset_create_from_file(
            actor=None,
            folder=folder,
            fileobj=fileobj,
            filename=filename,
            title=title,
            tags="boost, keuangan",
            description=note,
        )
    except DuplicateAsset as exc:
        asset = exc.existing
    with transaction.atomic():
        receipt = BoostReceipt.objects.create(
            boost=boost, kind=kind, asset=asset, note=note[:200], added_by=actor
        )
        step(
            boost,
            "receipt",
            actor=actor,
            comment=f"{receipt.get_kind_display()}: {filename}",
            details={"asset": asset.pk},
        )
    return receipt
