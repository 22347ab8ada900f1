"""Writes that matter in the media library: folders, uploads, metadata, trash, renditions.

Every function checks the actor's rights through ``permissions`` (``actor=None`` means the portal
itself, e.g. the account-sync task storing a downloaded post), validates, writes inside one
transaction, and starts background work only after commit. One module a part of the library;
this package gives their public names, so callers write ``from assets.services import ...``.
"""

from ..inspection import RefusedFile
from .addresses import (
    MediaToken,
    asset_public_url,
    media_token_read,
)
from .archives import (
    FolderArchive,
    folder_archive,
)
from .common import (
    COPY_CHUNK,
    MAX_TAGS,
    MEDIA_SALT,
    AssetTooLarge,
    DuplicateAsset,
    StorageUnavailable,
    human_size,
)
from .folders import (
    FOLDER_RIGHTS,
    folder_create,
    folder_delete,
    folder_get_or_create_path,
    folder_grant,
    folder_move,
    folder_rename,
    folder_set_restricted,
)
from .names import (
    clean_filename,
    clean_folder_name,
    parse_tags,
    title_from_filename,
)
from .renditions import (
    WANTED_RENDITIONS,
    LocalCopy,
    asset_render,
    asset_retry,
)
from .storage_check import (
    ORPHAN_GRACE,
    STORAGE_CHECKS_KEPT,
    storage_check_run,
)
from .storing import (
    asset_create_from_file,
    asset_create_from_path,
    file_sha256,
    stream_to_staging,
    upload_dir,
)
from .trash import (
    asset_bulk_update,
    asset_restore,
    asset_trash,
    asset_update,
    trash_empty,
)
from .uploads import (
    UPLOAD_BUFFER,
    UPLOAD_BUFFERS,
    UploadConflict,
    theme_from,
    upload_finish,
    upload_offset,
    upload_part_path,
    upload_prune_abandoned,
    upload_receive,
    upload_session_create,
    upload_terminate,
)

__all__ = [
    "COPY_CHUNK",
    "FOLDER_RIGHTS",
    "MAX_TAGS",
    "MEDIA_SALT",
    "ORPHAN_GRACE",
    "STORAGE_CHECKS_KEPT",
    "UPLOAD_BUFFER",
    "UPLOAD_BUFFERS",
    "WANTED_RENDITIONS",
    "AssetTooLarge",
    "DuplicateAsset",
    "FolderArchive",
    "LocalCopy",
    "MediaToken",
    "RefusedFile",
    "StorageUnavailable",
    "UploadConflict",
    "asset_bulk_update",
    "asset_create_from_file",
    "asset_create_from_path",
    "asset_public_url",
    "asset_render",
    "asset_restore",
    "asset_retry",
    "asset_trash",
    "asset_update",
    "clean_filename",
    "clean_folder_name",
    "file_sha256",
    "folder_archive",
    "folder_create",
    "folder_delete",
    "folder_get_or_create_path",
    "folder_grant",
    "folder_move",
    "folder_rename",
    "folder_set_restricted",
    "human_size",
    "media_token_read",
    "parse_tags",
    "storage_check_run",
    "stream_to_staging",
    "theme_from",
    "title_from_filename",
    "trash_empty",
    "upload_dir",
    "upload_finish",
    "upload_offset",
    "upload_part_path",
    "upload_prune_abandoned",
    "upload_receive",
    "upload_session_create",
    "upload_terminate",
]
