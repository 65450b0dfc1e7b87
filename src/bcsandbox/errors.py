"""The one exception backends raise; routes render it as a V2 array or a V3 problem object."""

from __future__ import annotations

from typing import Any

STATUS_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"


class ApiError(Exception):
    """An HTTP error with the fields both API versions need.

    ``title`` is the V3 title and the V2 message; ``errors`` the V3 field errors.
    """

    def __init__(
        self,
        status: int,
        title: str,
        errors: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> None:
        super().__init__(f"{status} {title}")
        self.status = status
        self.title = title
        self.errors = errors if errors is not None else {}
        self.headers = headers or {}
        self.content_type = content_type

    def v3_body(self) -> dict[str, Any]:
        return {"status": self.status, "title": self.title, "type": STATUS_TYPE, "errors": self.errors}

    def v2_body(self) -> list[dict[str, Any]]:
        message = self.title
        if self.errors:
            details = "; ".join(f"{field}: {text}" for field, text in self.errors.items())
            message = f"{self.title} ({details})"
        return [{"status": self.status, "message": message}]


def not_found(what: str = "The requested resource was not found.") -> ApiError:
    return ApiError(404, what)


def unprocessable(title: str, errors: dict[str, Any] | None = None) -> ApiError:
    return ApiError(422, title, errors)


def conflict(title: str, errors: dict[str, Any] | None = None) -> ApiError:
    return ApiError(409, title, errors)


def bad_request(title: str, errors: dict[str, Any] | None = None) -> ApiError:
    return ApiError(400, title, errors)
