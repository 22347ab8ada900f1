"""Pages of publishing: the composer, posts, the approval queue and the calendar. Thin: parse the
request, call a service or a selector, render."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assets.crops import Crop, CropError, crop_rendition
from assets.selectors import assets_for_user
from assets.services import asset_public_url
from core import params

from . import selectors
from .checks import check_post_content
from .drivers.registry import cropping_platforms
from .forms import PostFilterForm, PostForm, RescheduleForm, ReviewForm, initial_for
from .models import Channel, Delivery, DeliveryStatus, PostStatus
from .permissions import channel_policy, post_policy
from .services import posts as services
from .sync.selectors import origin_of

PUBLISHING_STATUSES = {PostStatus.APPROVED, PostStatus.PUBLISHING}
# Seconds between two looks of the post page at a post that is still moving: a scheduled post
# waits for beat's release (every 30 s), one being sent changes within seconds.
POLL_SCHEDULED = 5
POLL_SENDING = 2


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or _("You may not do this.")


def _post_or_404(request, pk: int):
    post = selectors.post_get_for_user(request.user, pk)
    if post is None:
        raise Http404(_("This post does not exist."))
    return post


def _require_view(request) -> None:
    if not post_policy.user_has_permission(request.user, "view"):
        raise PermissionDenied


# --- lists --------------------------------------------------------------------------------------


@login_required
@require_GET
def post_list(request):
    _require_view(request)
    form = PostFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    posts = selectors.post_list(
        user=request.user,
        status=filters.get("status", ""),
        q=filters.get("q", ""),
        mine=filters.get("mine", False),
    )[:100]
    return render(
        request,
        "publishing/post_list.html",
        {
            "posts": posts,
            "form": form,
            "can_compose": post_policy.user_has_permission(request.user, "add"),
            "waiting": selectors.approval_count(user=request.user),
        },
    )


# --- the composer -------------------------------------------------------------------------------


def _composer_context(request, form: PostForm, post=None) -> dict:
    channels = selectors.channel_list(user=request.user, action="draft", active_only=True)
    if post is not None:
        # Channels already on the post stay visible to whoever edits it.
        channels = Channel.objects.filter(
            Q(pk__in=channels.values("pk")) | Q(pk__in=post.channels.values("pk"))
        ).order_by("account_group", "platform", "name")
    assets = assets_for_user(request.user, form.asset_ids)
    if post is not None:
        known = {a.pk for a in assets}
        assets += [m.asset for m in post.media.all() if m.asset_id not in known]
        order = {pk: i for i, pk in enumerate(form.asset_ids)}
        assets.sort(key=lambda a: order.get(a.pk, len(order)))
    return {
        "form": form,
        "post": post,
        "channel_groups": selectors.channels_by_group(channels),
        "chosen_channels": set(form.channel_ids),
        "chosen_assets": assets,
        "crops": form.crops,
        "variant_tabs": form.variant_tabs(),
        "crop_platforms": cropping_platforms(),
    }


def _save(request, form: PostForm, post=None):
    """Create or update, then submit when asked; returns the post or ``None`` (errors shown)."""
    try:
        arguments = form.service_arguments()
        if post is None:
            post = services.post_create(actor=request.user, **arguments)
        else:
            post = services.post_update(actor=request.user, post=post, **arguments)
    except ValidationError as exc:
        _form_errors(form, exc)
        return None
    except PermissionDenied as exc:
        form.add_error(None, _error_text(exc))
        return None
    if request.POST.get("action") == "submit":
        try:
            services.post_submit(actor=request.user, post=post)
            messages.success(request, _("The post is waiting for approval."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(
                request, _("Saved as a draft, not submitted: %(why)s") % {"why": _error_text(exc)}
            )
    else:
        messages.success(request, _("The post is saved."))
    return post


def _form_errors(form: PostForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


@login_required
@require_http_methods(["GET", "POST"])
def compose(request):
    if not post_policy.user_has_permission(request.user, "add"):
        raise PermissionDenied
    if request.method == "POST":
        form = PostForm(request.POST)
        if form.is_valid():
            post = _save(request, form)
            if post is not None:
                return redirect("publishing:post_detail", pk=post.pk)
    else:
        # From the library's "Use for publication": ?assets=1,2
        asset_ids = params.id_list(request.GET.get("assets", ""), name="assets")
        form = PostForm(asset_ids=asset_ids, channel_ids=[])
    return render(request, "publishing/compose.html", _composer_context(request, form))


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request, pk: int):
    post = _post_or_404(request, pk)
    if not post_policy.user_has_permission_for_instance(request.user, "change", post):
        raise PermissionDenied
    if not post.is_editable:
        messages.error(request, _("This post is already being sent or was sent; it cannot change."))
        return redirect("publishing:post_detail", pk=post.pk)
    if request.method == "POST":
        form = PostForm(request.POST)
        if form.is_valid():
            saved = _save(request, form, post)
            if saved is not None:
                return redirect("publishing:post_detail", pk=saved.pk)
    else:
        form = PostForm(
            initial=initial_for(post),
            channel_ids=[c.pk for c in post.channels.all()],
            asset_ids=[m.asset_id for m in post.media.all()],
            crops={m.asset_id: m.crop for m in post.media.all() if m.crop is not None},
        )
    return render(request, "publishing/compose.html", _composer_context(request, form, post))


@login_required
@require_POST
def compose_checks(request):
    """The composer's live checks and previews (htmx, debounced while typing)."""
    if not post_policy.user_has_permission(request.user, "add"):
        raise PermissionDenied
    form = PostForm(request.POST)
    form.is_valid()  # partial input is fine here: use what parses
    data = {name: form.cleaned_data.get(name) for name in form.fields}
    channels = list(
        selectors.channel_list(user=request.user, action="view").filter(pk__in=form.channel_ids)
    )
    order = {pk: i for i, pk in enumerate(form.channel_ids)}
    channels.sort(key=lambda c: order.get(c.pk, 0))
    assets = assets_for_user(request.user, form.asset_ids)
    text = data.get("text") or request.POST.get("text", "")
    variants = form.variants()
    report = check_post_content(
        text=text,
        variants=variants,
        assets=assets,
        channels=channels,
        link=data.get("link") or "",
        thread=bool(data.get("thread")),
        first_comment=data.get("first_comment") or "",
        crops=form.crops,
    )
    return render(
        request,
        "publishing/_checks.html",
        {"report": report, "assets": assets, "first_comment": data.get("first_comment") or "",
         "crops": form.crops},
    )  # fmt: skip


@login_required
@require_POST
def compose_crop(request):
    """Make Instagram's crop of a photo (JSON): the shape, the point of interest, the picture.

    The same crop asked twice is made once; the original is only read.
    """
    if not post_policy.user_has_permission(request.user, "add"):
        raise PermissionDenied
    asset_id = params.object_id(request.POST.get("asset", ""), name="asset", required=True)
    found = assets_for_user(request.user, [asset_id]) if asset_id else []
    if not found:
        raise Http404
    asset = found[0]
    try:
        crop = Crop.parse(request.POST.get("ratio"), request.POST.get("x"), request.POST.get("y"))
        rendition = crop_rendition(asset, crop)
    except CropError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    asset.refresh_from_db()
    return JsonResponse(
        {
            "asset": asset.pk,
            "crop": f"{asset.pk}:{crop.as_text()}",
            "label": crop.label,
            "width": rendition.width,
            "height": rendition.height,
            "url": asset_public_url(asset, rendition.name),
        }
    )


@login_required
@require_GET
def asset_picker(request):
    """Photos and videos of the library for the composer (htmx search)."""
    if not post_policy.user_has_permission(request.user, "add"):
        raise PermissionDenied
    q = request.GET.get("q", "")[:200]
    return render(
        request,
        "publishing/_picker.html",
        {"assets": selectors.picker_assets(user=request.user, q=q), "q": q},
    )


# --- one post -----------------------------------------------------------------------------------


def _detail_context(request, post) -> dict:
    user = request.user
    deliveries = list(selectors.post_deliveries(post))
    return {
        "post": post,
        "timeline": selectors.post_timeline(post, user),
        "deliveries": deliveries,
        "polling": POLL_SENDING
        if post.status in PUBLISHING_STATUSES or any(not d.is_done for d in deliveries)
        else POLL_SCHEDULED
        if post.status == PostStatus.SCHEDULED
        else 0,
        "can_change": post.is_editable
        and post_policy.user_has_permission_for_instance(user, "change", post),
        "can_submit": post.status in services.SUBMITTABLE
        and post_policy.user_has_permission_for_instance(user, "submit", post),
        "can_review": post.status == PostStatus.SUBMITTED
        and post_policy.user_has_permission_for_instance(user, "approve", post),
        "can_retry": post_policy.user_has_permission_for_instance(user, "retry", post),
        "review_form": ReviewForm(),
        "reschedule_form": RescheduleForm(
            initial={"scheduled_at": timezone.localtime(post.scheduled_at)}
            if post.scheduled_at
            else None
        ),
        "variants": {v.platform: v.text for v in post.variants.all()},
        "origin": origin_of(post),
    }


@login_required
@require_GET
def post_detail(request, pk: int):
    _require_view(request)
    post = _post_or_404(request, pk)
    return render(request, "publishing/post_detail.html", _detail_context(request, post))


@login_required
@require_GET
def post_progress(request, pk: int):
    """The deliveries of a post, with its status and timeline (and its actions once the status
    moved on from ``?seen=``) to put in place: the post page asks every few seconds while the post
    is scheduled or being sent, and stops once it is final."""
    _require_view(request)
    post = _post_or_404(request, pk)
    context = _detail_context(request, post)
    context["status_changed"] = request.GET.get("seen") != post.status
    return render(request, "publishing/_progress.html", context)


def _act(request, pk: int, action, success: str, *, back: str = "detail"):
    """Run a workflow step; a refusal of the step itself (not allowed) answers 403, a step that
    is allowed but not possible now (already approved, a comment missing) says why."""
    _post_or_404(request, pk)
    try:
        action()
        messages.success(request, success)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    if back == "queue" or request.POST.get("next") == "queue":
        return redirect("publishing:approval_queue")
    if back == "list":
        return redirect("publishing:post_list")
    return redirect("publishing:post_detail", pk=pk)


@login_required
@require_POST
def post_submit(request, pk: int):
    return _act(
        request,
        pk,
        lambda: services.post_submit(actor=request.user, post=pk),
        _("The post is waiting for approval."),
    )


@login_required
@require_POST
def post_approve(request, pk: int):
    return _act(
        request,
        pk,
        lambda: services.post_approve(actor=request.user, post=pk),
        _("The post is approved."),
    )


@login_required
@require_POST
def post_reject(request, pk: int):
    comment = request.POST.get("comment", "")
    return _act(
        request,
        pk,
        lambda: services.post_reject(actor=request.user, post=pk, comment=comment),
        _("The post is rejected."),
    )


@login_required
@require_POST
def post_return(request, pk: int):
    comment = request.POST.get("comment", "")
    return _act(
        request,
        pk,
        lambda: services.post_return(actor=request.user, post=pk, comment=comment),
        _("The post is returned to its author."),
    )


@login_required
@require_POST
def post_delete(request, pk: int):
    return _act(
        request,
        pk,
        lambda: services.post_delete(actor=request.user, post=pk),
        _("The post is deleted."),
        back="list",
    )


def _reschedule_time(form: RescheduleForm, post) -> datetime | None:
    data = form.cleaned_data
    if data.get("scheduled_at"):
        return data["scheduled_at"]
    if data.get("date"):
        # The keyboard alternative to dragging: a new day, the same time of day.
        current = timezone.localtime(post.scheduled_at) if post.scheduled_at else None
        hour = current.timetz().replace(tzinfo=None) if current else datetime.min.time()
        return timezone.make_aware(datetime.combine(data["date"], hour))
    return None


@login_required
@require_POST
def post_reschedule(request, pk: int):
    """Move a post to another time: the calendar's drag and drop (JSON-free: a form post) and
    its keyboard alternative (a date field)."""
    post = _post_or_404(request, pk)
    form = RescheduleForm(request.POST)
    when = _reschedule_time(form, post) if form.is_valid() else None
    try:
        if when is None:
            raise ValidationError(_("Choose a new date or time."))
        services.post_reschedule(actor=request.user, post=pk, scheduled_at=when)
        ok, message = (
            True,
            _("The post is moved to %(when)s.")
            % {"when": timezone.localtime(when).strftime("%d-%m-%Y %H:%M WIB")},
        )
    except (ValidationError, PermissionDenied) as exc:
        ok, message = False, _error_text(exc)
    if request.htmx:
        return HttpResponse(message, status=200 if ok else 400)
    (messages.success if ok else messages.error)(request, message)
    back = request.POST.get("next", "")
    if back.startswith("/publishing/calendar/"):
        return redirect(back)
    return redirect("publishing:post_detail", pk=pk)


@login_required
@require_POST
def delivery_retry(request, pk: int):
    """Send one failed delivery again (the delivery engine decides how)."""
    delivery = Delivery.objects.filter(pk=pk).select_related("post").first()
    if delivery is None or not post_policy.user_has_permission(request.user, "view"):
        raise Http404
    from .services import delivery as delivery_services

    try:
        delivery_services.delivery_retry(actor=request.user, delivery_id=delivery.pk)
        messages.success(request, _("The delivery will be tried again."))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("publishing:post_detail", pk=delivery.post_id)


# --- the approval queue -------------------------------------------------------------------------


@login_required
@require_GET
def approval_queue(request):
    if not post_policy.user_has_permission(request.user, "approve"):
        raise PermissionDenied
    return render(
        request,
        "publishing/approval_queue.html",
        {"posts": selectors.approval_queue(user=request.user), "review_form": ReviewForm()},
    )


@login_required
@require_POST
def approve_many(request):
    if not post_policy.user_has_permission(request.user, "approve"):
        raise PermissionDenied
    ids = params.id_list(request.POST.getlist("ids"), name="ids", limit=500)
    if not ids:
        messages.error(request, _("Select at least one post first."))
        return redirect("publishing:approval_queue")
    approved, refused = services.post_approve_many(actor=request.user, post_ids=ids)
    if approved:
        messages.success(
            request,
            ngettext("%(count)d post is approved.", "%(count)d posts are approved.", len(approved))
            % {"count": len(approved)},
        )
    for pk, why in refused.items():
        messages.error(request, _("Post #%(id)d: %(why)s") % {"id": pk, "why": why})
    return redirect("publishing:approval_queue")


# --- the calendar -------------------------------------------------------------------------------


@login_required
@require_GET
def calendar(request):
    _require_view(request)
    view = "week" if request.GET.get("view") == "week" else "month"
    anchor = params.day(request.GET.get("date"), name="date") or timezone.localdate()
    channel_id = params.object_id(request.GET.get("channel"), name="channel")
    start, end = selectors.calendar_range(view, anchor)
    by_day = selectors.calendar_posts(user=request.user, start=start, end=end, channel=channel_id)
    days = []
    day = start
    today = timezone.localdate()
    while day <= end:
        days.append(
            {
                "date": day,
                "posts": by_day.get(day, []),
                "outside": view == "month" and day.month != anchor.month,
                "today": day == today,
                "past": day < today,
            }
        )
        day += timedelta(days=1)
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    if view == "week":
        previous, following = anchor - timedelta(days=7), anchor + timedelta(days=7)
    else:
        first = anchor.replace(day=1)
        previous = (first - timedelta(days=1)).replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "publishing/calendar.html",
        {
            "view": view,
            "anchor": anchor,
            "weeks": weeks,
            "previous": previous,
            "following": following,
            "channels": selectors.channel_list(user=request.user),
            "channel_id": channel_id,
            "reschedule_url": reverse("publishing:post_reschedule", args=[0]).replace(
                "/0/", "/{id}/"
            ),
            "can_move": channel_policy.user_has_permission(request.user, "draft"),
            "delivery_failed": DeliveryStatus.FAILED,
        },
    )
