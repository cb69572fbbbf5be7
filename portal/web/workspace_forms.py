"""The harvest source form: reading and checking what an editor typed before anything is saved.

A source URL typed into a browser is a request the server will make later, so it gets the harvest
client's address check now (http(s) only, no internal addresses) and a clear message instead of a job
that fails at night. Uploaded inventory mappings are parsed with yaml.safe_load, size-limited and checked
(harvesters.inventory.parse_mapping) and stored in the source's config.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage, ImmutableMultiDict

from catalog.accounts import NAME
from harvesters import registry, schedule
from harvesters.http import AddressPolicy
from harvesters.inventory import MAPPINGS, MAX_MAPPING_BYTES, parse_mapping
from harvesters.source import HarvestError
from harvesters.tables import HarvestSource

FIELDS = ("name", "organisation", "type", "url", "mapping", "schedule", "threshold")
UPLOADED = "uploaded"  # the `mapping` select's value for "keep the uploaded mapping"


def shipped_mappings() -> list[str]:
    return sorted(p.stem for p in MAPPINGS.glob("*.yaml"))


def values_of(row: HarvestSource, org_slug: str | None) -> dict[str, str]:
    """A stored source as form values."""
    mapping = (row.config or {}).get("mapping")
    return {"name": row.name, "organisation": org_slug or "", "type": row.type, "url": row.url,
            "mapping": UPLOADED if isinstance(mapping, dict) else (mapping or ""),
            "schedule": row.schedule or "", "threshold": f"{round(row.withdraw_threshold * 100)}"}


def check_url(url: str, allow: Sequence[str]) -> str | None:
    """Why the web may not register `url` (None when it may): the guard's rules, applied at save time."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _("This is not a valid URL.")
    if parts.scheme not in ("http", "https"):
        return _("Only http:// and https:// URLs can be harvested from the workspace "
                 "(file:// and local paths are for the command line).")
    if not parts.hostname:
        return _("The URL has no host name.")
    try:
        infos = socket.getaddrinfo(parts.hostname, port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return _("The host %(host)s cannot be resolved.", host=parts.hostname)
    policy = AddressPolicy(allow)
    for info in infos:
        try:
            policy.check(str(info[4][0]), parts.hostname)
        except HarvestError as exc:
            return _("Refused: the URL points to an internal address (%(reason)s).", reason=str(exc))
    return None


def threshold(values: dict[str, str]) -> float:
    """The checked percentage as the fraction the lifecycle uses."""
    return int(values["threshold"] or 20) / 100


def read(form: ImmutableMultiDict, upload: FileStorage | None, *, allow: Sequence[str],
         config: dict[str, Any] | None) -> tuple[dict[str, str], dict[str, Any], list[str]]:
    """(form values, the source config to store, errors). `config` is the stored one when editing: options
    set on the command line are kept, except `allow_private`, which a web change always drops."""
    values = {key: form.get(key, "").strip() for key in FIELDS}
    config = {k: v for k, v in (config or {}).items() if k != "allow_private"}
    errors = []
    if not NAME.match(values["name"]):
        errors.append(_("Names are 2-64 characters: a-z, 0-9, _ . -"))
    if values["type"] not in registry.TYPES:
        errors.append(_("Choose a source type."))
    if len(values["url"]) > 2048 or (why := check_url(values["url"], allow)):
        errors.append(why or _("The URL is too long."))
    if values["schedule"]:
        try:
            schedule.parse(values["schedule"])
        except schedule.ScheduleError as exc:
            errors.append(_("Schedule: %(reason)s", reason=str(exc)))
    try:
        if not 0 <= int(values["threshold"] or 20) <= 100:
            raise ValueError
    except ValueError:
        errors.append(_("The withdrawal threshold is a percentage from 0 to 100."))
    if values["type"] == "inventory":
        errors += _mapping(values, upload, config)
    else:
        config.pop("mapping", None)
    return values, config, errors


def _mapping(values: dict[str, str], upload: FileStorage | None, config: dict[str, Any]) -> list[str]:
    if upload is not None and upload.filename:
        try:
            config["mapping"] = parse_mapping(upload.stream.read(MAX_MAPPING_BYTES + 1))
        except HarvestError as exc:
            return [_("Mapping file: %(reason)s", reason=str(exc))]
        values["mapping"] = UPLOADED
    elif values["mapping"] in shipped_mappings():
        config["mapping"] = values["mapping"]
    elif not (values["mapping"] == UPLOADED and isinstance(config.get("mapping"), dict)):
        return [_("Inventories need a field mapping: choose one or upload a YAML file.")]
    return []
