"""`inventory` source type: the JSON / CSV / Excel catalogue exports Chinese government portals publish.

Each portal names its columns differently (数据集名称 or 标题, 更新频度 or 更新频率 ...), so nothing here
knows a portal: a field-mapping YAML in harvesters/mappings/ names the id, the base IRIs, the portal's
spatial coverage, the file format and which column plays which DCAT role. Adding a portal is adding one
YAML. Free-text codes (开放属性, 更新频度, 国家主题分类, 数据格式) go through the Kaifang vocabularies; an
unknown value is kept as a keyword and reported as a warning, so a new spelling never costs a record.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from openpyxl import load_workbook
from rdflib import Literal, URIRef

from catalog.namespaces import DCAT, DCT
from harvesters.http import GuardedClient
from harvesters.mapping import RecordBuilder, clean, digest, lookup, mint, split_keywords
from harvesters.source import HarvestError, Mapped, RemoteRef, SourceConfig

MAPPINGS = Path(__file__).parent / "mappings"
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
FORMATS = ("json", "csv", "xlsx")


@cache
def load_mapping(name: str) -> dict[str, Any]:
    """A portal's field mapping by name (shanghai, guiyang ...). Only files shipped in harvesters/mappings/
    can be named, so a source's config cannot make the harvester read an arbitrary file."""
    if not re.fullmatch(r"[a-z0-9_-]+", name or "") or not (MAPPINGS / f"{name}.yaml").is_file():
        known = ", ".join(sorted(p.stem for p in MAPPINGS.glob("*.yaml")))
        raise HarvestError(f"unknown inventory mapping {name!r} (known: {known})")
    mapping = yaml.safe_load((MAPPINGS / f"{name}.yaml").read_text(encoding="utf-8"))
    missing = [k for k in ("base_iri", "id", "fields") if k not in mapping]
    if missing:
        raise HarvestError(f"mapping {name}: missing {', '.join(missing)}")
    unknown = {_role(spec)[0] for spec in mapping["fields"].values()} - set(ROLES)
    if unknown:
        raise HarvestError(f"mapping {name}: unknown roles {', '.join(sorted(unknown))}")
    return mapping


# -- reading the export ---------------------------------------------------------------------------------
def read_rows(data: bytes, fmt: str, options: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The export's records as dicts keyed by column name. Raises HarvestError when the file is not the
    configured format at all (the whole listing is then unusable, so nothing is withdrawn)."""
    options = options or {}
    if fmt not in FORMATS:
        raise HarvestError(f"inventory format {fmt!r} is not one of {', '.join(FORMATS)}")
    try:
        rows = {"json": _json_rows, "csv": _csv_rows, "xlsx": _xlsx_rows}[fmt](data, options)
    except HarvestError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure means "not a readable export"
        snippet = data[:300].decode("utf-8", "replace")
        raise HarvestError(f"not a readable {fmt} inventory: {exc}", snippet) from exc
    if not all(isinstance(r, dict) for r in rows):
        raise HarvestError(f"{fmt} inventory: expected a list of records")
    return rows


def decode(data: bytes, encoding: str = "auto") -> str:
    """Text of a CSV export: a UTF-8 BOM wins, then UTF-8, then GB18030 (a superset of GBK and GB2312,
    which is what Excel on a Chinese Windows writes)."""
    if encoding != "auto":
        return data.decode(encoding)
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _json_rows(data: bytes, options: dict[str, Any]) -> list[Any]:
    doc = json.loads(decode(data, options.get("encoding", "auto")))
    for key in options.get("records_path", []):  # e.g. ["result", "records"] for wrapped exports
        doc = doc[key]
    if not isinstance(doc, list):
        raise HarvestError("json inventory: expected a list of records (set records_path for wrapped lists)")
    return doc


def _csv_rows(data: bytes, options: dict[str, Any]) -> list[Any]:
    text = decode(data, options.get("encoding", "auto"))
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=options.get("delimiter", ","))
    return [{k.strip(): v for k, v in row.items() if k} for row in reader]


def _xlsx_rows(data: bytes, options: dict[str, Any]) -> list[Any]:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book[options["sheet"]] if options.get("sheet") else book.worksheets[0]
        header_row = int(options.get("header_row", 1))
        lines = sheet.iter_rows(min_row=header_row, values_only=True)
        header = [clean(h) for h in next(lines, ())]
        return [{h: _cell(v) for h, v in zip(header, line, strict=False) if h}
                for line in lines if any(v not in (None, "") for v in line)]
    finally:
        book.close()


def _cell(value: Any) -> Any:
    """Excel cells as the text a JSON export would carry (dates as ISO dates)."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


# -- ids ------------------------------------------------------------------------------------------------
def record_id(row: dict[str, Any], mapping: dict[str, Any]) -> str | None:
    """The record's stable id per the mapping: a field (or a regex group of it), or a hash of fields."""
    spec = mapping["id"]
    if "hash" in spec:
        values = [clean(row.get(f)) for f in spec["hash"]]
        return digest(*values) if any(values) else None
    value = clean(row.get(spec["field"]))
    if value and spec.get("pattern"):
        match = re.search(spec["pattern"], value)
        return match.group(1) if match else None
    return value


# -- mapping --------------------------------------------------------------------------------------------
def inventory_to_dcat(row: dict[str, Any], mapping: dict[str, Any], remote_id: str | None = None) -> Mapped:
    """One export record -> one DCAT graph, driven by the mapping's field roles."""
    rid = remote_id or record_id(row, mapping)
    if not rid:
        raise HarvestError(f"no id: cannot build one from {mapping['id']}", _snippet(row))
    b = RecordBuilder(mint(mapping["base_iri"], rid), mapping.get("language", "zh"))
    b.add(DCT.identifier, Literal(rid))
    ignored = set(mapping.get("ignore_values", []))
    deferred: dict[str, Any] = {}
    for field, spec in mapping["fields"].items():
        role, arg = _role(spec)
        value = row.get(field)
        if _blank(value, ignored):
            continue
        if role in ("formats", "landing_page"):
            deferred[role] = value
        else:
            ROLES[role](b, value, arg, field, mapping)
    if not any(True for _ in b.graph.objects(b.node, DCT.title)):
        title_field = next((f for f, s in mapping["fields"].items() if _role(s)[0] == "title"), "title")
        raise HarvestError(f"{title_field}: missing dataset title", _snippet(row))
    landing = deferred.get("landing_page")
    b.iri(DCAT.landingPage, landing, field="landing_page")
    _formats(b, deferred.get("formats"), landing if landing else mapping.get("portal_url"), ignored)
    for place in mapping.get("spatial", []):
        b.concept(DCT.spatial, "cn-admin", place, field="spatial", keep_as_keyword=False)
    return b.mapped()


def _role(spec: Any) -> tuple[str, Any]:
    if isinstance(spec, dict):
        (role, arg), = spec.items()
        return role, arg
    return spec, None


def _blank(value: Any, ignored: set[str]) -> bool:
    return value is None or (isinstance(value, str) and (not value.strip() or value.strip() in ignored)) \
        or value == []


def _snippet(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, default=str)


def _theme(b: RecordBuilder, value: Any, vocab: str, field: str, _m: dict[str, Any]) -> None:
    """The portal's theme concept, plus the EU data themes it is mapped to (so EU-facing views and
    DCAT-AP validators see a theme from the authority table)."""
    for text in value if isinstance(value, list) else [value]:
        concept = b.concept(DCAT.theme, vocab or "cn-theme", text, field=field)
        for iri in getattr(concept, "matches", ()):
            if iri.startswith(EU_THEME):
                b.add(DCAT.theme, URIRef(iri))


def _publisher(b: RecordBuilder, value: Any, _a: Any, _f: str, mapping: dict[str, Any]) -> None:
    name = clean(value)
    base = mapping.get("publisher_base") or mapping["base_iri"]
    b.agent(name, mint(base, digest(name)))


def _contact(b: RecordBuilder, value: Any, _a: Any, field: str, _m: dict[str, Any]) -> None:
    text = clean(value) or ""
    if "@" in text:
        b.contact(None, email=text)
    elif re.fullmatch(r"[\d\s()+\-－—转]{5,}", text):
        b.contact(None, phone=text)
    else:
        b.contact(text)


def _formats(b: RecordBuilder, value: Any, access_url: Any, ignored: set[str]) -> None:
    """One distribution per listed format. The export gives no file URLs, so each one's access URL is the
    dataset's detail page (or the portal, when the export has no usable detail page)."""
    for fmt in split_keywords(value) if value else []:
        if fmt in ignored:
            continue
        node = b.distribution()
        b.iri(DCAT.accessURL, access_url, node, "access URL")
        b.text(DCT.title, fmt, None, node)
        found = lookup("file-type", fmt)
        if found is not None:
            b.add(DCT.format, URIRef(found.iri), node)
        else:
            b.add(DCT.format, Literal(fmt), node)
            b.warn(f"数据格式: unknown file-type value {fmt!r}, kept as the format's text")


Role = Callable[[RecordBuilder, Any, Any, str, dict[str, Any]], None]
ROLES: dict[str, Role] = {
    "title": lambda b, v, a, f, m: b.text(DCT.title, v),
    "description": lambda b, v, a, f, m: b.text(DCT.description, v),
    "keywords": lambda b, v, a, f, m: b.keywords(v),
    "keyword": lambda b, v, a, f, m: b.text(DCAT.keyword, v),
    "theme": _theme,
    "access_rights": lambda b, v, a, f, m: b.concept(DCT.accessRights, "access-right", v, field=f),
    "frequency": lambda b, v, a, f, m: b.concept(DCT.accrualPeriodicity, "frequency", v, field=f),
    "publisher": _publisher,
    "contact": _contact,
    "issued": lambda b, v, a, f, m: b.date(DCT.issued, v, field=f),
    "modified": lambda b, v, a, f, m: b.date(DCT.modified, v, field=f),
    "extra": lambda b, v, a, f, m: b.additional(f, v),
    "formats": lambda b, v, a, f, m: None,  # handled after the loop: needs the landing page
    "landing_page": lambda b, v, a, f, m: None,
}



MAX_MAPPING_BYTES = 256 * 1024
MAPPING_KEYS = {"portal", "portal_url", "language", "format", "base_iri", "publisher_base", "id", "spatial",
                "ignore_values", "fields", "read"}
READ_KEYS = {"format", "encoding", "sheet", "header_row", "delimiter", "records_path"}


def parse_mapping(data: bytes) -> dict[str, Any]:
    """An uploaded field mapping (YAML, as in harvesters/mappings/), checked before it is stored."""
    if len(data) > MAX_MAPPING_BYTES:
        raise HarvestError(f"the mapping file is larger than {MAX_MAPPING_BYTES // 1024} KB")
    try:
        doc = yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise HarvestError(f"the mapping file is not UTF-8 YAML: {' '.join(str(exc).split())[:300]}") from exc
    return check_mapping(doc)


def check_mapping(doc: Any) -> dict[str, Any]:
    """The rules `inventory.load_mapping` applies to shipped files, plus: no unknown keys, right types."""
    if not isinstance(doc, dict):
        raise HarvestError("the mapping must be a YAML mapping (key: value lines)")
    problems = [f"unknown key {k!r}" for k in doc if k not in MAPPING_KEYS]
    problems += [f"missing {k}" for k in ("base_iri", "id", "fields") if k not in doc]
    if not str(doc.get("base_iri", "")).startswith(("http://", "https://")):
        problems.append("base_iri must be an http(s) IRI")
    ident = doc.get("id")
    if not (isinstance(ident, dict) and set(ident) <= {"hash", "field", "pattern"}
            and (isinstance(ident.get("hash"), list) or isinstance(ident.get("field"), str))):
        problems.append("id must be {hash: [fields]} or {field: name, pattern: regex}")
    fields = doc.get("fields")
    if not isinstance(fields, dict) or not fields:
        problems.append("fields must map column names to roles")
    else:
        for column, spec in fields.items():
            role = next(iter(spec), None) if isinstance(spec, dict) and len(spec) == 1 else spec
            if not isinstance(role, str) or role not in ROLES:
                problems.append(f"fields.{column}: unknown role {role!r}")
    if doc.get("format", "json") not in FORMATS:
        problems.append(f"format must be one of {', '.join(FORMATS)}")
    if not isinstance(doc.get("read", {}), dict) or set(doc.get("read", {})) - READ_KEYS:
        problems.append(f"read may only set {', '.join(sorted(READ_KEYS))}")
    for key in ("spatial", "ignore_values"):
        if not isinstance(doc.get(key, []), list):
            problems.append(f"{key} must be a list")
    if problems:
        raise HarvestError("mapping: " + "; ".join(problems[:10]))
    return doc


class InventorySource:
    """Harvests one portal export. Config: `mapping` (a YAML name in harvesters/mappings/), optionally
    `format`, `encoding`, `sheet`, `header_row`, `delimiter`, `records_path` overriding the mapping's."""

    type = "inventory"

    def __init__(self, cfg: SourceConfig, client: GuardedClient) -> None:
        self.cfg, self.client = cfg, client
        mapping = cfg.config.get("mapping")  # a shipped mapping's name, or one uploaded in the workspace
        self.mapping = check_mapping(mapping) if isinstance(mapping, dict) else load_mapping(mapping or "")
        overrides = {k: v for k, v in cfg.config.items() if k not in ("mapping", "allow_private")}
        self.options = {**self.mapping.get("read", {}), **overrides}
        self.format = self.options.pop("format", self.mapping.get("format", "json"))

    def gather(self) -> Iterator[RemoteRef]:
        """Every export row with its id, in file order. A dataset the export lists twice yields its id
        twice; the lifecycle keeps the first row (real exports repeat rows verbatim: Shanghai's has 4,494
        rows for 2,232 datasets)."""
        fetched = self.client.get_bytes(self.cfg.url)
        rows = read_rows(fetched.data, self.format, self.options)
        modified = next((f for f, s in self.mapping["fields"].items() if _role(s)[0] == "modified"), None)
        for n, row in enumerate(rows, 1):
            rid = record_id(row, self.mapping) or f"row-{n}"
            yield RemoteRef(rid, clean(row.get(modified)) if modified else None, row)

    def fetch(self, ref: RemoteRef) -> Any:
        return ref.payload

    def to_dcat(self, ref: RemoteRef, raw: Any) -> Mapped:
        if record_id(raw, self.mapping) is None:
            raise HarvestError(f"row {ref.remote_id}: no id (mapping builds it from {self.mapping['id']})",
                               _snippet(raw))
        return inventory_to_dcat(raw, self.mapping, ref.remote_id)
