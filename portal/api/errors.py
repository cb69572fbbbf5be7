"""CKAN's error shapes, so CKAN clients (ckanapi raises NotFound, ValidationError...) understand us."""

from __future__ import annotations


class ActionError(Exception):
    status = 400
    type = "Bad request"

    def __init__(self, message: str = "", fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def body(self) -> dict:
        if self.fields:
            return {"__type": self.type, **self.fields}
        return {"__type": self.type, "message": self.message}


class NotFound(ActionError):
    status = 404
    type = "Not Found Error"

    def __init__(self, message: str = "Not found") -> None:
        super().__init__(message)


class ValidationError(ActionError):
    status = 409
    type = "Validation Error"

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("", fields)
