"""The publishing API under /api/v1/: posts, their workflow, deliveries and channels. Thin: parse,
call a service or a selector, answer.

Refusals: 400 for bad input or a post the platforms would refuse (with the reasons), 403 without
the right (approving needs approve rights on every target channel), 404 for what does not exist.
No answer ever holds a credential or a secret: a channel is its name, platform and handle.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

import core.converters  # noqa: F401  (registers <id:…>)
from core import api as strict

from . import selectors
from .drivers.registry import variants as platform_variants
from .models import Channel, Delivery, Platform, Post, PostStatus
from .permissions import post_policy
from .services import posts as services

# --- serializers --------------------------------------------------------------------------------


class ChannelSerializer(serializers.ModelSerializer):
    responsible_division = serializers.CharField(
        source="responsible_division.short_name", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Channel
        fields = ["id", "platform", "name", "handle", "account_group", "is_active",
                  "responsible_division"]  # fmt: skip
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    channel = ChannelSerializer(read_only=True)
    error = serializers.CharField(source="last_error", read_only=True)
    # Empty until published: a plain string, not a URI, in the schema.
    permalink = serializers.CharField(read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "channel", "status", "attempt_count", "external_id", "permalink", "error",
                  "published_at"]  # fmt: skip
        read_only_fields = fields


class PostSerializer(serializers.ModelSerializer):
    author = serializers.CharField(
        source="author.username", default=None, read_only=True, allow_null=True
    )
    approved_by = serializers.CharField(
        source="approved_by.username", default=None, read_only=True, allow_null=True
    )
    channels = serializers.SerializerMethodField()
    assets = serializers.SerializerMethodField()
    variants = serializers.SerializerMethodField()
    deliveries = DeliverySerializer(many=True, read_only=True)
    link = serializers.CharField(read_only=True)  # may be empty

    class Meta:
        model = Post
        fields = [
            "id", "title", "public_title", "text", "variants", "first_comment", "link", "thread", "is_public",
            "channels", "assets", "scheduled_at", "status", "content_version", "author",
            "submitted_at", "approved_by", "approved_at", "review_comment", "published_at",
            "created_at", "updated_at", "deliveries",
        ]  # fmt: skip
        read_only_fields = fields

    def get_channels(self, post: Post) -> list[int]:
        return [c.pk for c in post.channels.all()]

    def get_assets(self, post: Post) -> list[int]:
        return [m.asset_id for m in post.media.all()]

    def get_variants(self, post: Post) -> dict[str, str]:
        return {v.platform: v.text for v in post.variants.all()}


def _variants_serializer() -> type[strict.Serializer]:
    """A text per platform that takes its own (``facts.variant``), as long as its driver
    allows."""
    fields = {
        platform: serializers.CharField(
            required=False, allow_blank=True, max_length=variant.max_length
        )
        for platform, variant in platform_variants().items()
    }
    return type("VariantsSerializer", (strict.Serializer,), {"__module__": __name__, **fields})


VariantsSerializer = _variants_serializer()


class PostWriteSerializer(strict.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    public_title = serializers.CharField(required=False, allow_blank=True, max_length=150)
    text = serializers.CharField(required=False, allow_blank=True, max_length=63206)
    variants = VariantsSerializer(required=False)
    first_comment = serializers.CharField(required=False, allow_blank=True, max_length=2200)
    link = serializers.URLField(required=False, allow_blank=True, max_length=500)
    thread = serializers.BooleanField(required=False)
    is_public = serializers.BooleanField(required=False)
    channels = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), required=False,
        max_length=50,
    )  # fmt: skip
    assets = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), required=False,
        max_length=50,
    )  # fmt: skip
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)

    def service_arguments(self) -> dict:
        data = dict(self.validated_data)
        arguments = {}
        for name in ("title", "public_title", "text", "first_comment", "link", "thread", "is_public",
                     "scheduled_at"):  # fmt: skip
            if name in data:
                arguments[name] = data[name]
        if "variants" in data:
            arguments["variants"] = {Platform(k): v for k, v in data["variants"].items()}
        if "channels" in data:
            arguments["channel_ids"] = data["channels"]
        if "assets" in data:
            arguments["asset_ids"] = data["assets"]
        return arguments


class CommentSerializer(strict.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class PostFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PostStatus.choices, required=False)
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    mine = serializers.BooleanField(required=False, default=False)


class PostPagination(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


def _post(request, pk: int) -> Post:
    post = selectors.post_get_for_user(request.user, pk)
    if post is None:
        raise NotFound(_("This post does not exist."))
    return post


def _fresh(request, pk: int) -> dict:
    return PostSerializer(_post(request, pk)).data


def _require_view(request) -> None:
    if not post_policy.user_has_permission(request.user, "view"):
        raise PermissionDenied()


# --- views --------------------------------------------------------------------------------------


class PostListView(APIView):
    pagination_class = PostPagination  # read by the schema: the list is paginated

    @extend_schema(parameters=[PostFilterSerializer], responses=PostSerializer(many=True))
    def get(self, request):
        _require_view(request)
        params = PostFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        posts = selectors.post_list(user=request.user, **params.validated_data)
        paginator = PostPagination()
        page = paginator.paginate_queryset(posts, request, view=self)
        return paginator.get_paginated_response(PostSerializer(page, many=True).data)

    @extend_schema(request=PostWriteSerializer, responses={201: PostSerializer})
    def post(self, request):
        serializer = PostWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = services.post_create(actor=request.user, **serializer.service_arguments())
        return Response(_fresh(request, post.pk), status=status.HTTP_201_CREATED)


class PostDetailView(APIView):
    @extend_schema(responses=PostSerializer)
    def get(self, request, pk: int):
        _require_view(request)
        return Response(PostSerializer(_post(request, pk)).data)

    @extend_schema(request=PostWriteSerializer, responses=PostSerializer)
    def patch(self, request, pk: int):
        _post(request, pk)
        serializer = PostWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.post_update(actor=request.user, post=pk, **serializer.service_arguments())
        return Response(_fresh(request, pk))


class _TransitionView(APIView):
    """POST without a body (or with a comment) moves the post one step."""

    takes_body = False

    def transition(self, request, pk: int) -> None:
        raise NotImplementedError

    def post(self, request, pk: int):
        if not self.takes_body:
            strict.refuse_body(request)
        _post(request, pk)
        self.transition(request, pk)
        return Response(_fresh(request, pk))


class PostSubmitView(_TransitionView):
    @extend_schema(request=None, responses=PostSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def transition(self, request, pk: int) -> None:
        services.post_submit(actor=request.user, post=pk)


class PostApproveView(_TransitionView):
    @extend_schema(
        request=None,
        responses=PostSerializer,
        description="Only who may approve every one of the post's channels (403 otherwise).",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def transition(self, request, pk: int) -> None:
        services.post_approve(actor=request.user, post=pk)


class PostRejectView(_TransitionView):
    takes_body = True

    @extend_schema(request=CommentSerializer, responses=PostSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def transition(self, request, pk: int) -> None:
        comment = CommentSerializer(data=request.data)
        comment.is_valid(raise_exception=True)
        services.post_reject(
            actor=request.user, post=pk, comment=comment.validated_data.get("comment", "")
        )


class DeliveryRetryView(APIView):
    @extend_schema(request=None, responses=DeliverySerializer)
    def post(self, request, pk: int):
        strict.refuse_body(request)
        _require_view(request)
        delivery = Delivery.objects.filter(pk=pk).select_related("channel").first()
        if delivery is None:
            raise NotFound(_("This delivery does not exist."))
        from .services import delivery as delivery_services

        delivery_services.delivery_retry(actor=request.user, delivery_id=delivery.pk)
        delivery.refresh_from_db()
        return Response(DeliverySerializer(delivery).data)


class ChannelListView(APIView):
    pagination_class = PostPagination

    @extend_schema(
        responses=ChannelSerializer(many=True),
        parameters=[
            OpenApiParameter(
                "action",
                str,
                enum=["view", "draft", "submit", "approve"],
                description="only the channels on which one may do this",
            )
        ],
    )
    def get(self, request):
        action = request.query_params.get("action") or "view"
        if action not in {"view", "draft", "submit", "approve"}:
            raise ValidationError({"action": [_("Unknown action.")]})
        channels = selectors.channel_list(user=request.user, action=action)
        paginator = PostPagination()
        page = paginator.paginate_queryset(channels, request, view=self)
        return paginator.get_paginated_response(ChannelSerializer(page, many=True).data)


urlpatterns = [
    path("posts/", PostListView.as_view(), name="post-list"),
    path("posts/<id:pk>/", PostDetailView.as_view(), name="post-detail"),
    path("posts/<id:pk>/submit/", PostSubmitView.as_view(), name="post-submit"),
    path("posts/<id:pk>/approve/", PostApproveView.as_view(), name="post-approve"),
    path("posts/<id:pk>/reject/", PostRejectView.as_view(), name="post-reject"),
    path("deliveries/<id:pk>/retry/", DeliveryRetryView.as_view(), name="delivery-retry"),
    path("channels/", ChannelListView.as_view(), name="channel-list"),
]
