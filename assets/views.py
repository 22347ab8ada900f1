"""Pages of the media library: parse the request, call a selector or a service, render."""

from __future__ import annotations

import mimetypes
import os
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Division

from . import selectors, services
from .forms import (
    AssetForm,
    BulkForm,
    FolderAccessForm,
    FolderForm,
    LibraryFilterForm,
    UploadForm,
)
from .models import Asset
from .params import BadId, parse_ids, parse_optional_id
from .permissions import asset_policy, folder_policy, is_senior, storage_check_policy

PER_PAGE = 48


def publication_url() -> str | None:
    """The composer's address, when the publishing part of the portal is there."""
    try:
        return reverse("publishing:compose")
    except NoReverseMatch:
        return None


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(getattr(exc, "message", "") or exc)


def _bad_request(request, message: str, back: str | None = None):
    """400, with what was wrong and a way back (a crafted or stale request, not a form error)."""
    return render(
        request,
        "assets/bad_request.html",
        {"message": message, "back": back or reverse("assets:library")},
        status=400,
    )


def _back(request) -> str:
    back = request.POST.get("next") or reverse("assets:library")
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = reverse("assets:library")
    return back


def _selected_assets(request) -> tuple[list[Asset] | None, str | None]:
    """The assets ticked on a page (``ids``), all of them open to the person; or a reason why
    not. An id that does not exist and one the person may not see get the same words."""
    raw = request.POST.getlist("ids")
    try:
        ids = parse_ids(raw, field=_("A selected asset"))
    except BadId as exc:
        return None, exc.message
    assets = selectors.assets_for_user(request.user, ids)
    if len(assets) != len(ids):
        return None, _(
            "One or more of the selected assets do not exist (any more) or are not open to "
            "you. Go back, reload the page and select again."
        )
    return assets, None


def _folder_or_404(request, pk: int):
    folder = selectors.folder_get_for_user(request.user, pk)
    if folder is None:
        raise Http404(_("This folder does not exist or is not open to you."))
    return folder


def _asset_or_404(request, pk: int, *, trashed: bool | None = False) -> Asset:
    asset = selectors.asset_get_for_user(request.user, pk, trashed=trashed)
    if asset is None:
        raise Http404(_("This asset does not exist or is not open to you."))
    return asset


@login_required
@require_GET
def library(request, folder_pk: int | None = None):
    folder = _folder_or_404(request, folder_pk) if folder_pk else None
    form = LibraryFilterForm(request.GET or None)
    filters = form.filters()
    searching = any(v for k, v in filters.items() if k != "sort")
    include_subfolders = (
        form.cleaned_data.get("include_subfolders") if form.is_bound and form.is_valid() else False
    )
    assets = selectors.asset_list(
        user=request.user,
        folder=folder,
        # A folder page shows what is in it; a search looks through its subfolders too.
        include_subfolders=bool(include_subfolders or searching or folder is None),
        **filters,
    )
    page = selectors.paginate(assets, request.GET.get("page"), PER_PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    rights = folder_policy.rights(request.user, folder) if folder else set()
    fillable = selectors.folder_choices(user=request.user, action="add")
    return render(
        request,
        "assets/library.html",
        {
            "folder": folder,
            "breadcrumbs": selectors.folder_breadcrumbs(folder) if folder else [],
            "subfolders": selectors.folder_children(user=request.user, parent=folder),
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "searching": searching,
            "rights": rights,
            "can_upload": bool(fillable) if folder is None else "add" in rights,
            "bulk_form": BulkForm(folder_choices=fillable),
            "publication_url": publication_url(),
            "can_create_folder": (
                "subfolder" in rights
                if folder
                else folder_policy.user_may_create_root(request.user, request.user.division_id)
            ),
        },
    )


@login_required
@require_GET
def asset_detail(request, pk: int):
    asset = _asset_or_404(request, pk, trashed=None)
    return render(
        request,
        "assets/asset_detail.html",
        {
            "asset": asset,
            "breadcrumbs": selectors.folder_breadcrumbs(asset.folder),
            "can_change": asset_policy.user_has_permission_for_instance(
                request.user, "change", asset
            ),
            "can_delete": asset_policy.user_has_permission_for_instance(
                request.user, "delete", asset
            ),
            "publication_url": publication_url(),
        },
    )


@login_required
@require_GET
def asset_status(request, pk: int):
    """The asset's card, for htmx to poll while the worker makes its renditions."""
    asset = _asset_or_404(request, pk)
    return render(request, "assets/_asset_card.html", {"asset": asset, "selectable": True})


@login_required
@require_http_methods(["GET", "POST"])
def asset_edit(request, pk: int):
    asset = _asset_or_404(request, pk)
    if not asset_policy.user_has_permission_for_instance(request.user, "change", asset):
        raise PermissionDenied(_("You may not change this asset."))
    choices = selectors.folder_choices(user=request.user, action="add")
    if asset.folder_id not in {pk for pk, _name in choices}:
        choices.append((asset.folder_id, asset.folder.name))
    initial = {
        "title": asset.title,
        "folder": asset.folder_id,
        "theme": asset.theme,
        "tags": ", ".join(t.name for t in asset.tags.all()),
        "event_date": asset.event_date,
        "description": asset.description,
        "credit": asset.credit,
        "location": asset.location,
    }
    form = AssetForm(request.POST or None, initial=initial, folder_choices=choices)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        target = selectors.folder_get_for_user(request.user, data.pop("folder"))
        try:
            services.asset_update(actor=request.user, asset=asset, folder=target, **data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("The changes are saved."))
            return redirect("assets:asset_detail", pk=asset.pk)
    return render(request, "assets/asset_edit.html", {"asset": asset, "form": form})


@login_required
@require_POST
def asset_trash(request, pk: int):
    asset = _asset_or_404(request, pk)
    try:
        services.asset_trash(actor=request.user, asset=asset, request=request)
    except PermissionDenied as exc:
        raise PermissionDenied(_error_text(exc)) from None
    messages.success(
        request,
        _('"%(title)s" is in the trash. It can be restored from there.') % {"title": asset.title},
    )
    return redirect("assets:folder", folder_pk=asset.folder_id)


@login_required
@require_POST
def asset_restore(request, pk: int):
    asset = _asset_or_404(request, pk, trashed=True)
    try:
        services.asset_restore(actor=request.user, asset=asset, request=request)
    except services.DuplicateAsset as exc:
        messages.error(request, exc.message_for(request.user))
        return redirect("assets:trash")
    messages.success(request, _('"%(title)s" is back in the library.') % {"title": asset.title})
    return redirect("assets:asset_detail", pk=asset.pk)


@login_required
@require_POST
def asset_retry(request, pk: int):
    asset = _asset_or_404(request, pk)
    services.asset_retry(actor=request.user, asset=asset)
    messages.success(request, _("The file is being processed again."))
    return redirect("assets:asset_detail", pk=asset.pk)


@login_required
@require_GET
def trash(request):
    page = selectors.paginate(selectors.trash_list(user=request.user), request.GET.get("page"))
    return render(
        request,
        "assets/trash.html",
        {
            "page": page,
            "can_empty": asset_policy.user_has_permission(request.user, "empty_trash"),
        },
    )


@login_required
@require_POST
def trash_empty(request):
    try:
        ids = parse_ids(request.POST.getlist("ids"), field=_("A selected asset")) or None
    except BadId as exc:
        return _bad_request(request, exc.message, reverse("assets:trash"))
    count = services.trash_empty(actor=request.user, asset_ids=ids, request=request)
    messages.success(
        request,
        ngettext(
            "%(count)d asset was deleted for good.",
            "%(count)d assets were deleted for good.",
            count,
        )
        % {"count": count},
    )
    return redirect("assets:trash")


@login_required
@require_POST
def bulk(request):
    back = _back(request)
    if request.POST.getlist("ids"):  # none at all: the form says "select at least one"
        _assets, refusal = _selected_assets(request)
        if refusal:
            return _bad_request(request, refusal, back)
    choices = selectors.folder_choices(user=request.user, action="add")
    form = BulkForm(request.POST, folder_choices=choices)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(back)
    data = form.cleaned_data
    assets = selectors.assets_for_user(request.user, data["ids"])
    try:
        if data["action"] == "trash":
            for asset in assets:
                services.asset_trash(actor=request.user, asset=asset, request=request)
            count = len(assets)
        else:
            folder = (
                selectors.folder_get_for_user(request.user, data["folder"])
                if data["action"] == "move"
                else None
            )
            count = services.asset_bulk_update(
                actor=request.user,
                assets=assets,
                folder=folder,
                theme=data["theme"] if data["action"] == "theme" else None,
                add_tags=data["tags"] if data["action"] == "tags" else None,
                event_date=data["event_date"] if data["action"] == "date" else None,
            )
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, _error_text(exc))
        return HttpResponseRedirect(back)
    messages.success(
        request,
        ngettext("%(count)d asset was changed.", "%(count)d assets were changed.", count)
        % {"count": count},
    )
    return HttpResponseRedirect(back)


@login_required
@require_POST
def use_for_publication(request):
    """Hand the selected assets to the composer: ``?assets=<id>,<id>``."""
    target = publication_url()
    assets, refusal = _selected_assets(request)
    if refusal:
        return _bad_request(request, refusal, _back(request))
    if target is None:
        messages.error(request, _("Publishing is not available yet."))
        return redirect("assets:library")
    if not assets:
        messages.error(request, _("Select at least one asset first."))
        return redirect("assets:library")
    return HttpResponseRedirect(f"{target}?assets={','.join(str(a.pk) for a in assets)}")


def _upload_strings() -> dict[str, str]:
    """The words the upload page's script shows, translated here."""
    return {
        "created": _("Uploaded"),
        "duplicate": _("Already in the library"),
        "refused": _("Refused"),
        "failed": _("Not stored"),
        "open": pgettext("open a file", "Open"),
        "chooseFolder": _("Choose the folder to upload into."),
        "storedCount": _("Stored: %(count)s"),
        "duplicateCount": _("Already in the library: %(count)s"),
        "refusedCount": _("Refused: %(count)s"),
        "failedCount": _("Not stored: %(count)s"),
        "refusedNoReason": _("The portal refused this file."),
        "unknownResult": _("What became of this file is not known; look in the library."),
    }


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    choices = selectors.folder_choices(user=request.user, action="add")
    if not choices:
        raise PermissionDenied(_("There is no folder you may upload into."))
    try:
        initial_folder = parse_optional_id(request.GET.get("folder"), field=_("The folder"))
    except BadId as exc:
        return _bad_request(request, exc.message)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        folder_choices=choices,
        initial={"folder": initial_folder},
    )
    if request.method == "POST" and form.is_valid():
        # The form without JavaScript: one file, sent whole (Django streams it to a temporary file).
        data = form.cleaned_data
        folder = selectors.folder_get_for_user(request.user, data["folder"])
        upload_file = data.get("file")
        if upload_file is None:
            form.add_error("file", _("Choose a file."))
        elif folder is None:
            form.add_error("folder", _("This folder does not exist or is not open to you."))
        else:
            try:
                asset = services.asset_create_from_file(
                    actor=request.user,
                    folder=folder,
                    fileobj=upload_file,
                    filename=upload_file.name,
                    title=data["title"],
                    theme=data["theme"],
                    tags=data["tags"],
                    event_date=data["date"],
                    description=data["description"],
                    credit=data["credit"],
                    location=data["location"],
                )
            except services.DuplicateAsset as exc:
                if not exc.visible_to(request.user):
                    form.add_error("file", exc.message_for(request.user))
                else:
                    messages.warning(request, exc.message)
                    return redirect("assets:asset_detail", pk=exc.existing.pk)
            except (
                services.RefusedFile,
                services.AssetTooLarge,
                services.StorageUnavailable,
                ValidationError,
                PermissionDenied,
            ) as exc:
                form.add_error("file", _error_text(exc))
            else:
                messages.success(request, _("The file is uploaded and being processed."))
                return redirect("assets:asset_detail", pk=asset.pk)
    from django.conf import settings

    return render(
        request,
        "assets/upload.html",
        {
            "form": form,
            "max_bytes": settings.ASSET_MAX_UPLOAD_BYTES,
            "upload_strings": _upload_strings(),
        },
    )


# --- folders ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def folder_create(request):
    """A new folder: Editors and up at the top or inside their folders; a Staf inside their
    division's open folders (the folder policy decides, the service checks again)."""
    user = request.user
    choices = selectors.folder_choices(user=user, action="subfolder")
    may_create_root = folder_policy.user_may_create_root(user, user.division_id)
    if not choices and not may_create_root:
        raise PermissionDenied(_("You may not create folders."))
    try:
        parent_initial = parse_optional_id(request.GET.get("parent"), field=_("The folder"))
    except BadId as exc:
        return _bad_request(request, exc.message)
    form = FolderForm(
        request.POST or None,
        folder_choices=choices,
        allow_top=may_create_root,
        divisions=None if is_senior(user) else Division.objects.filter(pk=user.division_id),
        may_restrict=user.has_perm("assets.change_folder"),
        initial={"parent": parent_initial, "division": user.division},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        parent = selectors.folder_get_for_user(user, data["parent"]) if data["parent"] else None
        try:
            folder = services.folder_create(
                actor=user,
                name=data["name"],
                parent=parent,
                division=data["division"] or (None if parent else user.division),
                restricted=data.get("restricted", False),
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _('Folder "%(name)s" created.') % {"name": folder.name})
            return redirect("assets:folder", folder_pk=folder.pk)
    return render(request, "assets/folder_form.html", {"form": form, "folder": None})


@login_required
@require_http_methods(["GET", "POST"])
def folder_edit(request, folder_pk: int):
    folder = _folder_or_404(request, folder_pk)
    if not folder_policy.user_has_permission_for_instance(request.user, "manage", folder):
        raise PermissionDenied(_("You may not organise this folder."))
    choices = [
        (pk, name)
        for pk, name in selectors.folder_choices(user=request.user, action="manage")
        if pk != folder.pk
    ]
    form = FolderForm(
        request.POST or None,
        folder_choices=choices,
        initial={
            "name": folder.name,
            "parent": folder.parent_id,
            "division": folder.division,
            "restricted": folder.restricted,
        },
    )
    form.fields["division"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["name"] != folder.name:
                services.folder_rename(actor=request.user, folder=folder, name=data["name"])
            if data["parent"] != folder.parent_id:
                parent = (
                    selectors.folder_get_for_user(request.user, data["parent"])
                    if data["parent"]
                    else None
                )
                services.folder_move(actor=request.user, folder=folder, parent=parent)
            if data["restricted"] != folder.restricted:
                services.folder_set_restricted(
                    actor=request.user, folder=folder, restricted=data["restricted"]
                )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("The folder is saved."))
            return redirect("assets:folder", folder_pk=folder.pk)
    return render(request, "assets/folder_form.html", {"form": form, "folder": folder})


@login_required
@require_POST
def folder_delete(request, folder_pk: int):
    folder = _folder_or_404(request, folder_pk)
    parent_id = folder.parent_id
    try:
        services.folder_delete(actor=request.user, folder=folder)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("assets:folder", folder_pk=folder.pk)
    messages.success(request, _('Folder "%(name)s" deleted.') % {"name": folder.name})
    return (
        redirect("assets:folder", folder_pk=parent_id) if parent_id else redirect("assets:library")
    )


@login_required
@require_GET
def folder_download(request, folder_pk: int):
    """The folder and its subfolders as one ZIP, streamed as it is written (for a journalist who
    asks for an event's photos): only what the person may see, audited."""
    folder = _folder_or_404(request, folder_pk)
    archive = services.folder_archive(actor=request.user, folder=folder, request=request)
    response = StreamingHttpResponse(archive.stream, content_type="application/zip")
    response["Content-Length"] = str(len(archive))
    response["Content-Disposition"] = content_disposition_header(True, archive.filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def folder_access(request, folder_pk: int):
    from guardian.shortcuts import get_groups_with_perms, get_users_with_perms

    folder = _folder_or_404(request, folder_pk)
    if not folder_policy.user_has_permission_for_instance(request.user, "manage", folder):
        raise PermissionDenied(_("You may not organise this folder."))
    form = FolderAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.folder_grant(
            actor=request.user,
            folder=folder,
            user=data["user"],
            group=data["group"],
            rights=data["rights"],
        )
        messages.success(request, _("The rights are saved."))
        return redirect("assets:folder_access", folder_pk=folder.pk)
    strip = len("_folder")
    users = get_users_with_perms(folder, attach_perms=True, with_group_users=False)
    groups = get_groups_with_perms(folder, attach_perms=True)
    grants = [
        (str(who), sorted(p[:-strip] for p in perms))
        for who, perms in [*users.items(), *groups.items()]
    ]
    return render(
        request, "assets/folder_access.html", {"folder": folder, "form": form, "grants": grants}
    )


# --- files --------------------------------------------------------------------------------------

_INLINE_KINDS = ("image/", "video/", "audio/", "application/pdf")
_RANGE = re.compile(r"bytes=([0-9]{0,19})-([0-9]{0,19})$")


def _file_response(request, name: str, content_type: str, filename: str, *, download: bool):
    """Serve a stored file: streamed, with byte ranges (so video can seek), never as active
    content (a sandbox policy and no sniffing)."""
    inline = not download and content_type.startswith(_INLINE_KINDS)
    if not isinstance(default_storage, FileSystemStorage):
        raise Http404  # object storage answers with its own signed addresses
    try:
        path = default_storage.path(name)
        size = os.path.getsize(path)
    except (FileNotFoundError, NotImplementedError):
        raise Http404(_("The file is missing from storage.")) from None
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if match and (match[1] or match[2]):
        if match[1]:
            start = int(match[1])
            end = min(int(match[2]) if match[2] else size - 1, size - 1)
        else:
            start, end = max(0, size - int(match[2])), size - 1
        if start > end or start >= size:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        handle = open(path, "rb")  # noqa: SIM115 - closed by the response
        handle.seek(start)
        length = end - start + 1

        def body(remaining=length):
            try:
                while remaining > 0:
                    chunk = handle.read(min(1024 * 1024, remaining))
                    if not chunk:
                        break
                    remaining -= len(chunk)
                    yield chunk
            finally:
                handle.close()

        response = StreamingHttpResponse(body(), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(length)
    else:
        response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _names_for(asset: Asset, rendition: str) -> tuple[str, str, str]:
    if rendition:
        found = asset.rendition(rendition)
        if found is None:
            raise Http404(_("This rendition does not exist."))
        stem = os.path.splitext(asset.original_name)[0]
        # Pictures are JPEG; a video's platform rendition (made for publishing) is MP4.
        extension = os.path.splitext(found.file.name)[1].lower() or ".jpg"
        content_type = mimetypes.guess_type(f"x{extension}")[0] or "image/jpeg"
        return found.file.name, content_type, f"{stem}-{rendition}{extension}"
    return asset.file.name, asset.mime_type, asset.original_name


@login_required
@require_GET
def download(request, pk: int):
    """The original (or ``?rendition=thumb``) for a person who may see the asset."""
    asset = _asset_or_404(request, pk, trashed=None)
    rendition = request.GET.get("rendition", "")
    inline = request.GET.get("inline") == "1"
    name, content_type, filename = _names_for(asset, rendition)
    if not isinstance(default_storage, FileSystemStorage):
        return HttpResponseRedirect(
            services.asset_public_url(asset, rendition or None, expires=300, download=not inline)
        )
    return _file_response(request, name, content_type, filename, download=not inline)


@require_GET
def media(request, token: str):
    """A signed, expiring address (for platforms, and pictures in the portal's own pages)."""
    signed = services.media_token_read(token)
    if signed is None:
        raise Http404(_("This address has expired or is not valid."))
    asset = Asset.objects.prefetch_related("renditions").filter(pk=signed.asset_id).first()
    if asset is None:
        raise Http404
    name, content_type, filename = _names_for(asset, signed.rendition)
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return _file_response(request, name, content_type, filename, download=signed.download)


@login_required
@require_GET
def storage_check(request):
    """What the nightly storage check found: missing or altered files, orphan files removed."""
    report = selectors.storage_check_report(user=request.user)
    if report is None and not storage_check_policy.user_has_permission(request.user, "view"):
        raise PermissionDenied
    return render(request, "assets/storage_check.html", {"report": report})
