"""Reading CKAN action parameters the way CKAN does: "true"/"false" strings, integer strings, limits."""

from __future__ import annotations

from typing import Any

from portal.api.errors import ValidationError

MAX_LIMIT = 1000


def boolean(params: dict[str, Any], key: str, default: bool = False) -> bool:
    value = params.get(key, default)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise ValidationError({key: ["Value must be one of: true, false"]})


def integer(params: dict[str, Any], key: str, default: int | None = None, *, minimum: int = 0,
            maximum: int | None = None) -> int | None:
    value = params.get(key)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({key: ["Invalid integer"]}) from None
    if number < minimum:
        raise ValidationError({key: [f"Must be a natural number ≥ {minimum}"]})
    return min(number, maximum) if maximum is not None else number


def required(params: dict[str, Any], key: str) -> str:
    value = params.get(key)
    if value in (None, ""):
        raise ValidationError({key: ["Missing value"]})
    return str(value)


def window(items: list, params: dict[str, Any]) -> list:
    """Apply CKAN's limit/offset to a list."""
    offset = integer(params, "offset", 0) or 0
    limit = integer(params, "limit", None, maximum=MAX_LIMIT)
    return items[offset: offset + limit] if limit is not None else items[offset:]
