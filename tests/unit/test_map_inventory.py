"""The `inventory` source type on the real Shanghai (4,494) and Guiyang (2,469) catalogue exports, read over
real local HTTP, and the same records re-exported to CSV (GB18030, UTF-8 BOM) and XLSX."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections import Counter
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from openpyxl import Workbook
from rdflib.compare import isomorphic

from catalog.model import from_graph
from harvesters.http import GuardedClient
from harvesters.inventory import InventorySource, inventory_to_dcat, load_mapping, read_rows
from harvesters.source import HarvestError, SourceConfig

DATA = Path(__file__).parents[1] / "fixtures" / "chinese" / "mainland-portal-metadata-cnpds"
PORTALS = {"shanghai": "shanghai_shanghai.json", "guiyang": "guizhou_guiyang.json"}
AR = "http://publications.europa.eu/resource/authority/access-right/"
FQ = "http://publications.europa.eu/resource/authority/frequency/"
TH = "http://publications.europa.eu/resource/authority/data-theme/"
FT = "http://publications.europa.eu/resource/authority/file-type/"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A directory served over real HTTP on 127.0.0.1; tests write their exports into it."""
    root = tmp_path_factory.mktemp("exports")
    for name in PORTALS.values():
        (root / name).write_bytes((DATA / name).read_bytes())
    handler = partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


def harvest(url: str, mapping: str, **config) -> tuple[list, Counter, Counter]:
    """Run gather -> fetch -> to_dcat like the lifecycle does; return mapped records, errors, warnings."""
    source = InventorySource(SourceConfig("t", url, "inventory", config={"mapping": mapping, **config}),
                             GuardedClient(allow_private=True))
    records, errors, warnings = [], Counter(), Counter()
    for ref in source.gather():
        try:
            mapped = source.to_dcat(ref, source.fetch(ref))
        except HarvestError as exc:
            errors[str(exc)] += 1
            continue
        records.append((ref, mapped))
        warnings.update(mapped.warnings)
    return records, errors, warnings


@pytest.fixture(scope="module")
def shanghai(served):
    root, base = served
    return harvest(f"{base}/{PORTALS['shanghai']}", "shanghai")


@pytest.fixture(scope="module")
def guiyang(served):
    root, base = served
    return harvest(f"{base}/{PORTALS['guiyang']}", "guiyang")


def by_title(records, title):
    projections = (from_graph(m.graph, m.node) for _, m in records)
    return [d for d in projections if d.title == {"zh": title}]


def test_every_shanghai_record_maps(shanghai):
    records, errors, warnings = shanghai
    ids = Counter(ref.remote_id for ref, _ in records)
    print(f"\nShanghai: {len(records)} mapped, {len(errors)} failed, {len(ids)} distinct ids, "
          f"{sum(n - 1 for n in ids.values())} repeated rows; warnings {dict(warnings)}")
    assert len(records) == 4494 and not errors
    # The export repeats most datasets verbatim: 2,232 datasets under stable ids (name, provider, first
    # publication date); the lifecycle keeps the first row of a repeated id.
    assert len(ids) == 2232


def test_unknown_vocabulary_values_are_warnings_and_keywords():
    row = json.loads((DATA / PORTALS["shanghai"]).read_text(encoding="utf-8"))[0]
    row |= {"国家主题分类": "星际航行", "更新频度": "每逢闰年", "开放属性": "看心情",
            "数据格式": ["csv", "WPX"]}
    mapped = inventory_to_dcat(row, load_mapping("shanghai"))
    d = from_graph(mapped.graph, mapped.node)
    assert {"星际航行", "每逢闰年", "看心情"} <= set(d.keywords["zh"])
    assert d.access_rights is None and d.frequency is None
    assert {x.format for x in d.distributions} == {FT + "CSV", "WPX"}
    assert "国家主题分类: unknown cn-theme value '星际航行', kept as keyword" in mapped.warnings
    assert any("'WPX'" in w for w in mapped.warnings) and len(mapped.warnings) == 4


def test_every_guiyang_record_maps(guiyang):
    records, errors, warnings = guiyang
    ids = {ref.remote_id for ref, _ in records}
    print(f"\nGuiyang: {len(records)} mapped, {len(errors)} failed, {len(ids)} distinct ids; "
          f"warnings {dict(warnings)}")
    assert len(records) == 2469 and not errors and len(ids) == 2469


def test_shanghai_hand_checked_record(shanghai):
    d = by_title(shanghai[0], "拆除施工企业信息")[0]
    assert d.iri.startswith("https://data.sh.gov.cn/dataset/")
    assert d.description == {"zh": "包含拆除施工企业信息包括企业名称、法定代表人、资质等级信息。"}
    assert d.publisher.name == {"zh": "上海市住房和城乡建设管理委员会"}
    assert d.publisher.iri.startswith("https://data.sh.gov.cn/organization/")
    assert d.access_rights == AR + "RESTRICTED"  # 有条件开放
    assert d.frequency == FQ + "ANNUAL"  # 每年
    # 国家主题分类 城乡建设、环境保护 -> cn-theme 06 and the EU themes it maps to;
    # 数据领域 城市建设 -> cn-domain.
    assert "https://w3id.org/kaifang/def/cn-theme/06" in d.themes
    assert {TH + "ENVI", TH + "REGI"} <= set(d.themes)
    assert any(t.startswith("https://w3id.org/kaifang/def/cn-domain/") for t in d.themes)
    assert d.keywords == {"zh": ["SODA2022", "建筑", "机构"]}
    assert (d.issued, d.modified) == ("2020-01-02", "2023-04-06")
    assert d.contact[0].email == "sjkf@shanghai.gov.cn"
    assert [s.iri for s in d.spatial] == ["https://w3id.org/kaifang/def/cn-admin/310000"]
    assert d.distributions == [] and d.landing_page == []  # 数据格式 is [] for this one


def test_shanghai_formats_become_distributions(shanghai):
    d = by_title(shanghai[0], "黄浦区处方延伸情况")[0]  # 数据格式 rdf, xml, xlsx, json, csv
    codes = sorted(x.format.rsplit("/", 1)[1] for x in d.distributions)
    assert codes == ["CSV", "JSON", "RDF_XML", "XLSX", "XML"]
    assert all(x.access_url == "https://data.sh.gov.cn/" for x in d.distributions)


def test_guiyang_hand_checked_record(guiyang):
    (d,) = by_title(guiyang[0], "城市管理-勤务动态-行业在岗人数统计_各区县行业在岗人数")
    assert d.iri == "http://data.guizhou.gov.cn/dataset/2b81cbc4-32df-46fa-b843-59ca708b65e5"
    assert d.publisher.name == {"zh": "贵阳市综合行政执法局"}
    assert d.access_rights == AR + "RESTRICTED"
    assert d.frequency == FQ + "UPDATE_CONT"  # 实时
    assert d.themes == [] and d.keywords == {}  # 默认主题 / 默认行业 are placeholders
    assert d.landing_page == ["http://data.guizhou.gov.cn/open-data/2b81cbc4-32df-46fa-b843-59ca708b65e5"]
    assert [(x.format, x.access_url) for x in d.distributions] == [(FT + "JSON", d.landing_page[0])]
    assert [s.iri for s in d.spatial] == ["https://w3id.org/kaifang/def/cn-admin/520000"]
    assert (d.issued, d.modified) == ("2023-06-16", "2023-06-16")


def test_guiyang_theme_and_industry(guiyang):
    d = next(x for x in by_title(guiyang[0], "粮油加工企业信息"))
    assert "https://w3id.org/kaifang/def/cn-domain/07" in d.themes and TH + "SOCI" in d.themes  # 生活服务
    assert d.keywords == {"zh": ["制造业"]}  # 所属行业 kept whole, not split at 、
    assert d.access_rights == AR + "PUBLIC"


def _table(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    header = list(dict.fromkeys(k for r in rows for k in r))
    body = [[",".join(v) if isinstance(v, list) else ("" if v is None else str(v)) for v in
             (r.get(k) for k in header)] for r in rows]
    return header, body


def _csv(rows: list[dict], encoding: str) -> bytes:
    header, body = _table(rows)
    out = io.StringIO()
    csv.writer(out).writerows([header, *body])
    return out.getvalue().encode(encoding)


def _xlsx(rows: list[dict]) -> bytes:
    header, body = _table(rows)
    book = Workbook()
    sheet = book.active
    sheet.title = "数据目录"
    sheet.append(["上海市公共数据开放平台 数据目录导出"])  # a title row above the header, as portals write
    sheet.append(header)
    for line in body:
        sheet.append(line)
    book.create_sheet("说明").append(["not the catalogue"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("portal", sorted(PORTALS))
def test_csv_and_xlsx_exports_map_identically(portal, served, request):
    """Every record re-exported to CSV (GB18030, as Excel on Chinese Windows saves it) and to XLSX (title
    row, named sheet) maps to a graph isomorphic to the JSON record's; a UTF-8 CSV with BOM reads the same."""
    root, base = served
    rows = json.loads((DATA / PORTALS[portal]).read_text(encoding="utf-8"))
    gb18030 = _csv(rows, "gb18030")
    (root / f"{portal}.csv").write_bytes(gb18030)
    (root / f"{portal}.xlsx").write_bytes(_xlsx(rows))
    assert read_rows(_csv(rows, "utf-8-sig"), "csv") == read_rows(gb18030, "csv")
    expected = [m.graph for _, m in request.getfixturevalue(portal)[0]]
    for name, config in ((f"{portal}.csv", {"format": "csv"}),
                         (f"{portal}.xlsx", {"format": "xlsx", "sheet": "数据目录", "header_row": 2})):
        records, errors, _ = harvest(f"{base}/{name}", portal, **config)
        assert not errors and len(records) == len(rows), name
        pairs = enumerate(zip(records, expected, strict=True))
        different = [n for n, ((_, m), g) in pairs if not isomorphic(m.graph, g)]
        assert different == [], f"{name}: rows {different[:5]} differ"


def test_gbk_bytes_are_not_mistaken_for_utf8():
    rows = read_rows("数据集名称,数据提供方\n人口信息,上海市统计局\n".encode("gbk"), "csv")
    assert rows == [{"数据集名称": "人口信息", "数据提供方": "上海市统计局"}]


def test_not_an_export_is_a_harvest_error(served):
    root, base = served
    (root / "broken.json").write_text('{"数据集名称": ', encoding="utf-8")
    with pytest.raises(HarvestError, match="not a readable json inventory"):
        harvest(f"{base}/broken.json", "shanghai")
    with pytest.raises(HarvestError, match="expected a list of records"):
        read_rows(b'{"a": 1}', "json")


def test_record_without_title_is_a_record_error():
    mapping = load_mapping("guiyang")
    row = {"数据摘要": "x", "详情页网址": "http://data.guizhou.gov.cn/open-data/abc-123"}
    with pytest.raises(HarvestError, match="标题: missing dataset title"):
        inventory_to_dcat(row, mapping)


def test_only_shipped_mappings_can_be_named():
    with pytest.raises(HarvestError, match="unknown inventory mapping"):
        load_mapping("../../etc/passwd")
