"""Errors of the shell, each with the HTTP status it maps to and the field it is about.

A message that judges and chief judges may read on their pages is a `Message`: English text that also keeps its
template (the msgid of the pages' catalogs) and values, so the web layer can answer in the page's language.
"""

from __future__ import annotations

from contest.scoring.messages import Message as Message  # the core's kind, re-exported for the services


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or []


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class TooLarge(ServiceError):
    status = 413
    code = "too_large"


class Invalid(ServiceError):
    status = 422
    code = "invalid"


class Unavailable(ServiceError):
    status = 503
    code = "unavailable"
