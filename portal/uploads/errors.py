"""The refusals of an upload: a message for the person, at the form's field."""
from __future__ import annotations

from ..web.errors import PortalError


class UploadRejected(PortalError):
    """The file cannot be accepted; the message tells the person what to do."""

    status = 400


class UploadTooLarge(UploadRejected):
    status = 413
