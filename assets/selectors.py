"""Read queries of the media library, filtered by what the reader may see.

Each list costs a fixed number of queries whatever its length: folders, themes, uploaders and
renditions come with ``select_related`` / ``prefetch_related``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import BooleanField, Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .models import Asset, Folder, Rendition, StorageCheck, Theme
from .permissions import asset_policy, folder_policy, storage_check_policy

SORTS = {
    "-date": ("-event_date", "-id"),
    "date": ("event_date", "id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "-uploaded": ("-created_at", "-id"),
}


def _with_relations(assets: QuerySet) -> QuerySet:
    return assets.select_related("folder", "theme", "uploaded_by").prefetch_related(
        Prefetch("renditions", queryset=Rendition.objects.order_by("width")), "tags"
    )


def search_words(q: str) -> list[str]:
    """The words of a search: letters and digits only (punctuation never reaches a query)."""
    return re.findall(r"\w+", q.lower())[:10]


def _search(assets: QuerySet, q: str) -> QuerySet:
    words = search_words(q)
    if not words:
        return assets
    if connection.vendor == "postgresql":
        # Matches the expression index made by the migration (simple config: office words,
        # names and places are not stemmed into something else).
        query = " & ".join(f"'{word}':*" for word in words)
        return assets.filter(
            RawSQL(
                'to_tsvector(\'simple\', "assets_asset"."search_text") '
                "@@ to_tsquery('simple', %s)",
                [query],
                output_field=BooleanField(),
            )
        )
    for word in words:
        assets = assets.filter(search_text__contains=word)
    return assets


def asset_list(
    *,
    user: User,
    q: str = "",
    theme: Theme | int | None = None,
    kind: str = "",
    status: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    folder: Folder | None = None,
    include_subfolders: bool = True,
    uploader: User | int | None = None,
    division: int | None = None,
    sort: str = "-date",
    trashed: bool = False,
) -> QuerySet[Asset]:
    """Assets the person may see, filtered and sorted; the trash with ``trashed=True``."""
    assets = asset_policy.instances_user_has_permission_for(user, "view")
    assets = assets.trashed() if trashed else assets.alive()
    assets = _search(assets, q)
    if theme:
        assets = assets.filter(theme=theme)
    if kind:
        assets = assets.filter(kind=kind)
    if status:
        assets = assets.filter(status=status)
    if date_from:
        assets = assets.filter(event_date__gte=date_from)
    if date_to:
        assets = assets.filter(event_date__lte=date_to)
    if folder is not None:
        if include_subfolders:
            assets = assets.filter(folder__path__startswith=folder.path)
        else:
            assets = assets.filter(folder=folder)
    if uploader:
        assets = assets.filter(uploaded_by=uploader)
    if division:
        assets = assets.filter(folder__division_id=division)
    return _with_relations(assets.order_by(*SORTS.get(sort, SORTS["-date"])))


def trash_list(*, user: User) -> QuerySet[Asset]:
    return asset_list(user=user, trashed=True, sort="-uploaded").order_by("-deleted_at", "-id")


def asset_get_for_user(user: User, pk: int, *, trashed: bool | None = False) -> Asset | None:
    """The asset if the person may see it (``trashed=None``: in the library or in the trash)."""
    assets = asset_policy.instances_user_has_permission_for(user, "view")
    if trashed is not None:
        assets = assets.trashed() if trashed else assets.alive()
    return _with_relations(assets).select_related("deleted_by").filter(pk=pk).first()


def assets_for_user(user: User, ids: list[int]) -> list[Asset]:
    """The assets among ``ids`` that the person may see (in the library), in the given order."""
    found = {a.pk: a for a in asset_list(user=user).filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]


@dataclass
class Page:
    """One page of results without counting them all (cheap on a large library)."""

    items: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def paginate(queryset: QuerySet, page: str | int | None, per_page: int = 48) -> Page:
    try:
        number = max(1, min(int(page or 1), 10_000))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return Page(items=rows[:per_page], number=number, has_next=len(rows) > per_page)


# --- folders ------------------------------------------------------------------------------------


def folder_list(*, user: User) -> QuerySet[Folder]:
    return folder_policy.instances_user_has_permission_for(user, "view").select_related("division")


def folder_get_for_user(user: User, pk: int) -> Folder | None:
    return folder_list(user=user).filter(pk=pk).first()


def folder_children(*, user: User, parent: Folder | None) -> QuerySet[Folder]:
    return folder_list(user=user).filter(parent=parent).order_by("name")


def folder_breadcrumbs(folder: Folder) -> list[Folder]:
    ids = folder.ancestor_ids()
    found = {f.pk: f for f in Folder.objects.filter(pk__in=ids)}
    return [found[i] for i in ids if i in found] + [folder]


def folder_choices(*, user: User, action: str = "add") -> list[tuple[int, str]]:
    """(id, "2018 / 06 Juni / FGD") for folders the person may use for ``action``."""
    rows = list(
        folder_policy.instances_user_has_permission_for(user, action)
        .order_by()
        .values_list("id", "name", "path")
    )
    names = {pk: name for pk, name, _path in rows}
    paths = [(pk, [int(p) for p in path.strip("/").split("/") if p]) for pk, _name, path in rows]
    missing = {p for _pk, parts in paths for p in parts} - set(names)
    if missing:
        names |= dict(Folder.objects.filter(pk__in=missing).values_list("id", "name"))
    choices = [(pk, " / ".join(names.get(p, "?") for p in parts)) for pk, parts in paths]
    return sorted(choices, key=lambda item: item[1].lower())


def theme_list() -> QuerySet[Theme]:
    return Theme.objects.filter(is_active=True)


def uploader_list() -> QuerySet[User]:
    """People who uploaded something (one index probe per person, not a scan of the assets)."""
    uploaded = Asset.objects.filter(uploaded_by=OuterRef("pk"))
    return User.objects.filter(Exists(uploaded)).order_by("full_name")


# --- dashboard ----------------------------------------------------------------------------------


def dashboard_cards(user: User) -> list[dict]:
    """The library's figures for the dashboard."""
    if not asset_policy.user_has_permission(user, "view"):
        return []
    visible = asset_policy.instances_user_has_permission_for(user, "view").alive()
    week_ago = timezone.now() - timedelta(days=7)
    figures = visible.aggregate(
        total=Count("id"),
        week=Count("id", filter=Q(created_at__gte=week_ago)),
        processing=Count("id", filter=Q(status=Asset.Status.PROCESSING)),
        failed=Count("id", filter=Q(status=Asset.Status.FAILED)),
    )
    cards = [
        {
            "label": _("Assets in the library"),
            "value": figures["total"],
            "url_name": "assets:library",
        },
        {"label": _("Uploaded this week"), "value": figures["week"], "url_name": "assets:library"},
    ]
    if figures["processing"]:
        cards.append(
            {
                "label": _("Being processed"),
                "value": figures["processing"],
                "url_name": "assets:library",
            }
        )
    if figures["failed"]:
        cards.append(
            {
                "label": _("Could not be processed"),
                "value": figures["failed"],
                "url_name": "assets:library",
            }
        )
    report = storage_check_report(user=user)
    if report is not None:
        cards.append(
            {
                "label": _("Files missing or altered in storage"),
                "value": len(report.problems),
                "url_name": "assets:storage_check",
                "warn": bool(report.problems),
            }
        )
    return cards


@dataclass(frozen=True)
class StorageCheckReport:
    check: StorageCheck
    problems: list[dict]  # those about assets the reader may see, each with its "asset" row


def storage_check_report(*, user: User) -> StorageCheckReport | None:
    """The latest finished storage check, its problems limited to assets this person may see."""
    if not storage_check_policy.user_has_permission(user, "view"):
        return None
    check = StorageCheck.objects.filter(finished_at__isnull=False).order_by("-started_at").first()
    if check is None:
        return None
    ids = {problem["asset"] for problem in check.problems}
    visible = {
        asset.pk: asset
        for asset in asset_policy.instances_user_has_permission_for(user, "view").filter(pk__in=ids)
    }
    problems = [
        {
            **problem,
            "asset_row": visible[problem["asset"]],
            "label": StorageCheck.Problem(problem["problem"]).label,
        }
        for problem in check.problems
        if problem["asset"] in visible
    ]
    return StorageCheckReport(check=check, problems=problems)


# --- archive ------------------------------------------------------------------------------------


def folder_archive_contents(*, user: User, folder: Folder) -> tuple[list[Folder], list[Asset]]:
    """The folder and the subfolders below it that the person may see, each reached through
    folders they may see (a folder inside one they may not open is left out, so that the name of
    the hidden one never shows), top first; and the assets in them (not the trash), in order."""
    folders = (
        folder_list(user=user)
        .filter(path__startswith=folder.path)
        .select_related(None)
        .order_by("depth", "name", "pk")
        .only("pk", "name", "parent_id", "path", "depth", "access_root_id")
    )
    kept: dict[int, Folder] = {}
    for candidate in folders:
        if candidate.pk == folder.pk or candidate.parent_id in kept:
            kept[candidate.pk] = candidate
    assets = (
        asset_policy.instances_user_has_permission_for(user, "view")
        .alive()
        .filter(folder__path__startswith=folder.path)
        .order_by("folder__path", "title", "pk")
        .only("pk", "title", "file", "size", "folder_id", "original_name", "created_at")
    )
    return list(kept.values()), [asset for asset in assets if asset.folder_id in kept]
