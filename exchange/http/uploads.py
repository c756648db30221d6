"""Uploads: the few views that take data files get the upload limit, the rest keep 2 MiB."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_login import current_user

from exchange.catalog.datafiles import Upload
from exchange.http.auth import bearer_actor
from exchange.kernel.errors import NotAuthenticated, PermissionDenied, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.vocabulary import VerificationStatus

F = TypeVar("F", bound=Callable[..., Any])
# Room for the multipart framing and the form fields around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
VERIFIED = VerificationStatus.VERIFIED
UNVERIFIED = N_("Your organisation must be verified before it can upload data.")


def accepts_upload(view: F) -> F:
    """Mark a view as taking a data file (put it nearest the function: wrappers copy it)."""
    view.accepts_upload = True  # type: ignore[attr-defined]
    return view


def init_uploads(app: Flask) -> None:
    """Authenticate upload requests and raise their size limit before the body is read."""

    @app.before_request
    def _upload_limit() -> None:
        view = current_app.view_functions.get(request.endpoint or "")
        if not getattr(view, "accepts_upload", False):
            return
        # Only a signed-in member of a verified organisation may make the exchange read a large
        # body; anyone else keeps the ordinary cap (a page still shows its refusal in place).
        if request.path.startswith("/api/"):
            actor = bearer_actor()
        elif current_user.is_authenticated:
            actor = current_user.actor
        else:
            raise NotAuthenticated()
        if not any(m.verification_status == VERIFIED for m in actor.memberships):
            if request.path.startswith("/api/"):
                raise PermissionDenied(UNVERIFIED, errors={"file": [UNVERIFIED]})
            return
        request.max_content_length = current_app.config["UPLOAD_MAX_BYTES"] + MULTIPART_OVERHEAD


def received_upload() -> Upload:
    """The file posted as `file`, or a clear error naming the field."""
    posted = request.files.get("file")
    if posted is None or not posted.filename:
        raise ValidationFailed.on("file", N_("Choose a data file to upload."))
    return Upload(filename=posted.filename, stream=posted.stream)
