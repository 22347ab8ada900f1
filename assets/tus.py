"""Resumable uploads over the tus protocol (core, creation and termination; https://tus.io).

Uppy's Tus plugin in the browser (and any tus client, e.g. ``tuspy``) sends a file in chunks;
each chunk goes straight to a file on shared disk, so a dropped connection resumes where the
last byte landed and no web process ever holds a whole file. The last chunk turns the upload into
an asset (``services.upload_receive``, under a lock per upload); ``GET`` on the upload's address then tells what became of
it. No maintained Django tus server exists, so this module speaks the protocol itself.
"""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from . import selectors, services
from .bodyreader import body_source
from .models import UploadSession
from .params import is_id
from .permissions import is_senior

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination"


def _tus_headers(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _reply(status: int, message: str = "", **headers) -> HttpResponse:
    if message:
        response = JsonResponse({"detail": message}, status=status)
    else:
        response = HttpResponse(status=status)
    for key, value in headers.items():
        response[key.replace("_", "-")] = value
    return _tus_headers(response)


def _authenticate(request):
    """The person behind the request: a signed-in session (with its CSRF token in a header),
    or an API token. Returns (user, error response)."""
    if request.user.is_authenticated:
        if request.method not in {"GET", "HEAD", "OPTIONS"}:
            refusal = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if refusal is not None:
                return None, _reply(403, _("The page has expired; reload it and try again."))
        if not request.user.is_verified() and is_senior(request.user):
            return None, _reply(403, _("Two-factor verification is required for this account."))
        return request.user, None
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed as exc:
        return None, _reply(401, str(exc.detail))
    if found is None:
        return None, _reply(401, _("Sign in first."))
    return found[0], None


def parse_metadata(header: str) -> dict[str, str]:
    """``Upload-Metadata: key base64,key2 base64`` as a dict of text."""
    values: dict[str, str] = {}
    for pair in (header or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _sep, encoded = pair.partition(" ")
        try:
            values[key] = (
                base64.b64decode(encoded, validate=True).decode("utf-8") if encoded else ""
            )
        except (binascii.Error, UnicodeDecodeError):
            raise ValidationError(
                _("The upload's description (metadata) is not readable.")
            ) from None
    return values


# A browser client that turns a blank field into text sends JavaScript's words for nothing
# (``String(undefined)``, ``String(null)``). No one types them as a title, a tag or a credit,
# so they are taken as the blank they stand for rather than stored as data.
_JS_BLANKS = frozenset({"undefined", "null"})


def blank_js_placeholders(meta: dict[str, str]) -> dict[str, str]:
    return {key: "" if value.strip() in _JS_BLANKS else value for key, value in meta.items()}


@csrf_exempt
def uploads(request):
    """``POST``: open an upload (``Upload-Length``, ``Upload-Metadata`` with the folder)."""
    if request.method == "OPTIONS":
        return _reply(
            204,
            Tus_Version=TUS_VERSION,
            Tus_Extension=EXTENSIONS,
            Tus_Max_Size=str(settings.ASSET_MAX_UPLOAD_BYTES),
        )
    if request.method != "POST":
        return _reply(405, _("Use POST to start an upload."), Allow="POST, OPTIONS")
    user, refusal = _authenticate(request)
    if refusal:
        return refusal
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        return _reply(412, _("Only tus 1.0.0 is understood."), Tus_Version=TUS_VERSION)
    try:
        length = int(request.headers.get("Upload-Length", ""))
        if length < 0:
            raise ValueError
    except ValueError:
        return _reply(400, _("Upload-Length must say how many bytes the file has."))
    try:
        meta = blank_js_placeholders(parse_metadata(request.headers.get("Upload-Metadata", "")))
    except ValidationError as exc:
        return _reply(400, " ".join(exc.messages))
    folder_id = meta.get("folder", "")
    folder = selectors.folder_get_for_user(user, int(folder_id)) if is_id(folder_id) else None
    if folder is None:
        return _reply(400, _("Choose the folder to upload into."))
    filename = meta.get("filename") or meta.get("name") or "file"
    try:
        session = services.upload_session_create(
            actor=user, folder=folder, length=length, filename=filename, metadata=meta
        )
    except services.AssetTooLarge as exc:
        return _reply(413, exc.message)
    except services.RefusedFile as exc:
        return _reply(400, str(exc.message))
    except PermissionDenied as exc:
        return _reply(403, str(exc) or _("You may not upload into this folder."))
    location = request.build_absolute_uri(reverse("assets:upload_detail", args=[session.pk]))
    return _reply(201, Location=location, Upload_Offset="0")


@csrf_exempt
def upload_detail(request, upload_id):
    """``HEAD`` (where does it stand), ``PATCH`` (the next bytes), ``DELETE`` (give up),
    ``GET`` (what became of the finished upload, as JSON)."""
    if request.method == "OPTIONS":
        return _reply(204, Tus_Version=TUS_VERSION, Tus_Extension=EXTENSIONS)
    user, refusal = _authenticate(request)
    if refusal:
        return refusal
    session = UploadSession.objects.select_related("folder", "user").filter(pk=upload_id).first()
    if session is None or (session.user_id != user.pk):
        return _reply(404, _("This upload does not exist (it may have expired)."))
    if request.method == "HEAD":
        return _reply(
            200,
            Upload_Offset=str(services.upload_offset(session)),
            Upload_Length=str(session.length),
        )
    if request.method == "GET":
        return _tus_headers(
            JsonResponse(
                {
                    "offset": services.upload_offset(session),
                    "length": session.length,
                    "filename": session.filename,
                    "result": session.result,
                }
            )
        )
    if request.method == "DELETE":
        services.upload_terminate(actor=user, session=session)
        return _reply(204)
    if request.method != "PATCH":
        return _reply(405, _("This method is not part of the upload protocol."))
    return _receive_chunk(request, session)


def _receive_chunk(request, session: UploadSession) -> HttpResponse:
    """``PATCH``: append the next bytes of the upload at ``Upload-Offset``."""
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        return _reply(412, _("Only tus 1.0.0 is understood."), Tus_Version=TUS_VERSION)
    if request.content_type != "application/offset+octet-stream":
        return _reply(415, _("Chunks are sent as application/offset+octet-stream."))
    try:
        offset = int(request.headers.get("Upload-Offset", ""))
        length_header = request.headers.get("Content-Length")
        content_length = int(length_header) if length_header else None
    except ValueError:
        return _reply(400, _("Upload-Offset must be a number of bytes."))
    source = body_source(request, content_length if content_length is not None else 0)
    try:
        new_offset = services.upload_receive(
            session=session, offset=offset, source=source, content_length=content_length
        )
    except UploadSession.DoesNotExist:
        return _reply(404, _("This upload does not exist (it may have expired)."))
    except services.UploadConflict as exc:
        if exc.offset < 0:
            # Another PATCH of this upload holds it: where it will stand is not known yet.
            return _reply(
                409,
                _(
                    "Another part of this upload is being sent right now. Ask where the upload "
                    "stands and go on from there."
                ),
            )
        return _reply(
            409,
            _(
                "A part of the file is missing: the upload stands at byte %(offset)d, not "
                "%(sent)d. Resume from there."
            )
            % {"offset": exc.offset, "sent": offset},
            Upload_Offset=str(exc.offset),
        )
    except ValidationError as exc:
        return _reply(400, " ".join(exc.messages))
    except OSError:
        # The connection dropped mid-chunk: what arrived is kept; the client asks HEAD and resumes.
        return _reply(400, _("The connection broke off; resume the upload."))
    finally:
        source.close()
    return _reply(204, Upload_Offset=str(new_offset))
