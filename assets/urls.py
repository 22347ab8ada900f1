from django.urls import path

from . import (
    params,  # noqa: F401 - registers <libid:...>
    tus,
    views,
)

app_name = "assets"

urlpatterns = [
    path("", views.library, name="library"),
    path("folders/new/", views.folder_create, name="folder_create"),
    path("folders/<libid:folder_pk>/", views.library, name="folder"),
    path("folders/<libid:folder_pk>/edit/", views.folder_edit, name="folder_edit"),
    path("folders/<libid:folder_pk>/delete/", views.folder_delete, name="folder_delete"),
    path("folders/<libid:folder_pk>/access/", views.folder_access, name="folder_access"),
    path("folders/<libid:folder_pk>/download/", views.folder_download, name="folder_download"),
    path("assets/<libid:pk>/", views.asset_detail, name="asset_detail"),
    path("assets/<libid:pk>/status/", views.asset_status, name="asset_status"),
    path("assets/<libid:pk>/edit/", views.asset_edit, name="asset_edit"),
    path("assets/<libid:pk>/trash/", views.asset_trash, name="asset_trash"),
    path("assets/<libid:pk>/restore/", views.asset_restore, name="asset_restore"),
    path("assets/<libid:pk>/retry/", views.asset_retry, name="asset_retry"),
    path("assets/<libid:pk>/download/", views.download, name="download"),
    path("bulk/", views.bulk, name="bulk"),
    path("use-for-publication/", views.use_for_publication, name="use_for_publication"),
    path("trash/", views.trash, name="trash"),
    path("trash/empty/", views.trash_empty, name="trash_empty"),
    path("upload/", views.upload, name="upload"),
    path("storage-check/", views.storage_check, name="storage_check"),
    path("uploads/", tus.uploads, name="uploads"),
    path("uploads/<uuid:upload_id>/", tus.upload_detail, name="upload_detail"),
    path("media/<str:token>/", views.media, name="media"),
]
