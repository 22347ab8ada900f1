"""The media library's API under /api/v1/: folders and assets. Thin: parse, call, answer.

Every refusal is a 4xx with a reason for a person (Indonesian by default, English with
``Accept-Language: en``): 400 for a refused file or bad input, 403 without the right, 404 for
what one may not see, 409 for a duplicate (with the existing asset's id when the caller may see it), 413 when too
large.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Division
from core import api as strict

from . import selectors, services, tus
from .inspection import RefusedFile
from .models import Asset, Folder, Theme
from .params import IdRelatedField, id_serializer_field, parse_optional_id

# --- serializers --------------------------------------------------------------------------------


class RenditionSerializer(serializers.Serializer):
    name = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    url = serializers.CharField()


class AssetSerializer(serializers.ModelSerializer):
    theme = serializers.CharField(
        source="theme.name", default=None, read_only=True, allow_null=True
    )
    date = serializers.DateField(source="event_date", read_only=True)
    tags = serializers.SerializerMethodField()
    uploaded_by = serializers.CharField(
        source="uploaded_by.username", default=None, read_only=True, allow_null=True
    )
    download_url = serializers.SerializerMethodField()
    renditions = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = [
            "id",
            "kind",
            "status",
            "error",
            "sha256",
            "size",
            "title",
            "theme",
            "date",
            "tags",
            "description",
            "credit",
            "location",
            "folder",
            "original_name",
            "mime_type",
            "width",
            "height",
            "duration",
            "page_count",
            "uploaded_by",
            "created_at",
            "deleted_at",
            "download_url",
            "renditions",
        ]
        read_only_fields = fields

    def get_tags(self, asset: Asset) -> list[str]:
        return [tag.name for tag in asset.tags.all()]

    def get_download_url(self, asset: Asset) -> str:
        return services.asset_public_url(asset, download=True, absolute=True)

    @extend_schema_field(RenditionSerializer(many=True))
    def get_renditions(self, asset: Asset) -> list[dict]:
        if asset.status != Asset.Status.READY:
            return []
        return [
            {
                "name": r.name,
                "width": r.width,
                "height": r.height,
                "url": services.asset_public_url(asset, r.name, absolute=True),
            }
            for r in asset.renditions.all()
        ]


class AssetCreateSerializer(strict.Serializer):
    file = serializers.FileField()
    folder = id_serializer_field()
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    theme = serializers.CharField(required=False, allow_blank=True, help_text="id or name")
    date = serializers.DateField(required=False, allow_null=True)
    tags = serializers.CharField(required=False, allow_blank=True, help_text="comma-separated")
    description = serializers.CharField(required=False, allow_blank=True)
    credit = serializers.CharField(required=False, allow_blank=True, max_length=150)
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)


class AssetUpdateSerializer(strict.Serializer):
    title = serializers.CharField(required=False, max_length=200)
    theme = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    date = serializers.DateField(required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    credit = serializers.CharField(required=False, allow_blank=True, max_length=150)
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)
    folder = id_serializer_field(required=False)


class AssetFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    theme = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Asset.Kind.choices, required=False)
    status = serializers.ChoiceField(choices=Asset.Status.choices, required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    folder = id_serializer_field(required=False)
    include_subfolders = serializers.BooleanField(required=False, default=True)
    sort = serializers.ChoiceField(choices=list(selectors.SORTS), required=False)
    trashed = serializers.BooleanField(required=False, default=False)


class FolderSerializer(strict.ModelSerializer):
    parent = IdRelatedField(
        queryset=Folder.objects.all(),
        required=False,
        allow_null=True,
        # The same words for a folder that does not exist and one that is not open to the caller.
        error_messages={
            "does_not_exist": _lazy("This folder does not exist or is not open to you.")
        },
    )
    division = IdRelatedField(queryset=Division.objects.all(), required=False)

    class Meta:
        model = Folder
        fields = ["id", "name", "parent", "division", "restricted", "path", "created_at"]
        read_only_fields = ["id", "path", "created_at"]
        extra_kwargs = {
            "parent": {"required": False},
            "division": {"required": False},
            "name": {"max_length": 300, "validators": []},
        }
        validators = []


def _theme(value: str | None) -> Theme | None:
    if not value:
        return None
    theme = services.theme_from(str(value))
    if theme is None:
        raise ValidationError({"theme": [_("There is no theme %(name)s.") % {"name": value}]})
    return theme


def _folder(user, pk: int | None, field: str = "folder") -> Folder | None:
    if pk is None:
        return None
    folder = selectors.folder_get_for_user(user, pk)
    if folder is None:
        raise ValidationError({field: [_("This folder does not exist or is not open to you.")]})
    return folder


class LibraryPagination(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


# --- folders ------------------------------------------------------------------------------------


class FolderListView(APIView):
    pagination_class = LibraryPagination  # read by the schema: the list is paginated

    @extend_schema(
        responses=FolderSerializer(many=True),
        parameters=[OpenApiParameter("parent", int, description="only the children of a folder")],
    )
    def get(self, request):
        folders = selectors.folder_list(user=request.user).order_by("path")
        try:
            parent = parse_optional_id(request.query_params.get("parent"), field="parent")
        except ValueError as exc:
            raise ValidationError({"parent": [str(exc)]}) from None
        if parent is not None:
            folders = folders.filter(parent_id=parent)
        paginator = LibraryPagination()
        page = paginator.paginate_queryset(folders, request, view=self)
        return paginator.get_paginated_response(FolderSerializer(page, many=True).data)

    @extend_schema(request=FolderSerializer, responses={201: FolderSerializer})
    def post(self, request):
        serializer = FolderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = data.get("parent")
        if parent is not None:
            parent = _folder(request.user, parent.pk, "parent")
        folder = services.folder_create(
            actor=request.user,
            name=data["name"],
            parent=parent,
            # Not given: the parent's division, or the caller's own for a top-level folder.
            division=data.get("division") or (None if parent else request.user.division),
            restricted=data.get("restricted", False),
        )
        return Response(FolderSerializer(folder).data, status=status.HTTP_201_CREATED)


class FolderDetailView(APIView):
    def _get(self, request, pk: int) -> Folder:
        folder = selectors.folder_get_for_user(request.user, pk)
        if folder is None:
            raise NotFound(_("This folder does not exist or is not open to you."))
        return folder

    @extend_schema(responses=FolderSerializer)
    def get(self, request, pk: int):
        return Response(FolderSerializer(self._get(request, pk)).data)

    @extend_schema(request=FolderSerializer, responses=FolderSerializer)
    def patch(self, request, pk: int):
        folder = self._get(request, pk)
        serializer = FolderSerializer(folder, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "name" in data and data["name"] != folder.name:
            services.folder_rename(actor=request.user, folder=folder, name=data["name"])
        if "parent" in data and (data["parent"].pk if data["parent"] else None) != folder.parent_id:
            parent = _folder(request.user, data["parent"].pk, "parent") if data["parent"] else None
            folder = services.folder_move(actor=request.user, folder=folder, parent=parent)
        if "restricted" in data and data["restricted"] != folder.restricted:
            folder = services.folder_set_restricted(
                actor=request.user, folder=folder, restricted=data["restricted"]
            )
        folder.refresh_from_db()
        return Response(FolderSerializer(folder).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        folder = self._get(request, pk)
        services.folder_delete(actor=request.user, folder=folder)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- assets -------------------------------------------------------------------------------------

DUPLICATE_SCHEMA = inline_serializer(
    "DuplicateAsset",
    {
        "detail": serializers.CharField(),
        "existing_id": serializers.IntegerField(
            required=False, help_text="only when the existing asset is open to the caller"
        ),
    },
)


def _duplicate(exc: services.DuplicateAsset, user) -> Response:
    """409: the same bytes are in the library; their id only for a caller who may see them."""
    answer = exc.answer_for(user)
    body = {"detail": answer["message"]}
    if "asset" in answer:
        body["existing_id"] = answer["asset"]
    return Response(body, status=status.HTTP_409_CONFLICT)


class AssetListView(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    pagination_class = LibraryPagination  # read by the schema: the list is paginated

    @extend_schema(parameters=[AssetFilterSerializer], responses=AssetSerializer(many=True))
    def get(self, request):
        params = AssetFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError({"date_to": [_("The end date is before the start date.")]})
        data["folder"] = _folder(request.user, data.get("folder"))
        data["theme"] = _theme(data.get("theme"))
        assets = selectors.asset_list(user=request.user, **data)
        paginator = LibraryPagination()
        page = paginator.paginate_queryset(assets, request, view=self)
        return paginator.get_paginated_response(AssetSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": AssetCreateSerializer},
        responses={201: AssetSerializer, 409: DUPLICATE_SCHEMA},
    )
    def post(self, request):
        try:
            announced = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            announced = 0
        if announced > settings.ASSET_MAX_UPLOAD_BYTES + 1024 * 1024:
            return Response(
                {"detail": services.AssetTooLarge(announced).message},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        serializer = AssetCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        folder = _folder(request.user, data["folder"])
        upload = data["file"]
        try:
            asset = services.asset_create_from_file(
                actor=request.user,
                folder=folder,
                fileobj=upload,
                filename=upload.name,
                title=data.get("title", ""),
                theme=_theme(data.get("theme")),
                tags=data.get("tags", ""),
                event_date=data.get("date"),
                description=data.get("description", ""),
                credit=data.get("credit", ""),
                location=data.get("location", ""),
            )
        except services.DuplicateAsset as exc:
            return _duplicate(exc, request.user)
        except RefusedFile as exc:
            return Response({"file": [str(exc.message)]}, status=status.HTTP_400_BAD_REQUEST)
        except services.AssetTooLarge as exc:
            return Response(
                {"detail": exc.message}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        except services.StorageUnavailable as exc:
            return Response(
                {"detail": exc.message},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": "120"},
            )
        asset = selectors.asset_get_for_user(request.user, asset.pk)
        return Response(AssetSerializer(asset).data, status=status.HTTP_201_CREATED)


class AssetDetailView(APIView):
    def _get(self, request, pk: int, trashed: bool | None = None) -> Asset:
        asset = selectors.asset_get_for_user(request.user, pk, trashed=trashed)
        if asset is None:
            raise NotFound(_("This asset does not exist or is not open to you."))
        return asset

    @extend_schema(responses=AssetSerializer)
    def get(self, request, pk: int):
        return Response(AssetSerializer(self._get(request, pk)).data)

    @extend_schema(request=AssetUpdateSerializer, responses=AssetSerializer)
    def patch(self, request, pk: int):
        asset = self._get(request, pk, trashed=False)
        serializer = AssetUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "date" in changes:
            changes["event_date"] = changes.pop("date")
        if "theme" in changes:
            changes["theme"] = _theme(changes["theme"])
        if "folder" in changes:
            changes["folder"] = _folder(request.user, changes["folder"])
        services.asset_update(actor=request.user, asset=asset, **changes)
        return Response(AssetSerializer(self._get(request, pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        """Move the asset to the trash (restorable)."""
        asset = self._get(request, pk, trashed=False)
        services.asset_trash(actor=request.user, asset=asset, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssetRestoreView(APIView):
    @extend_schema(request=None, responses={200: AssetSerializer, 409: DUPLICATE_SCHEMA})
    def post(self, request, pk: int):
        strict.refuse_body(request)
        asset = selectors.asset_get_for_user(request.user, pk, trashed=True)
        if asset is None:
            raise NotFound(_("There is no such asset in the trash."))
        try:
            services.asset_restore(actor=request.user, asset=asset, request=request)
        except services.DuplicateAsset as exc:
            return _duplicate(exc, request.user)
        return Response(AssetSerializer(selectors.asset_get_for_user(request.user, pk)).data)


urlpatterns = [
    path("folders/", FolderListView.as_view(), name="folder-list"),
    path("folders/<libid:pk>/", FolderDetailView.as_view(), name="folder-detail"),
    path("assets/", AssetListView.as_view(), name="asset-list"),
    path("assets/<libid:pk>/", AssetDetailView.as_view(), name="asset-detail"),
    path("assets/<libid:pk>/restore/", AssetRestoreView.as_view(), name="asset-restore"),
    # Resumable uploads for API clients speak tus, as the upload page does.
    path("uploads/", tus.uploads, name="asset-uploads"),
    path("uploads/<uuid:upload_id>/", tus.upload_detail, name="asset-upload-detail"),
]
