"""Kaifang's SKOS vocabularies and their loader, checked against the values real Chinese portals publish."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rdflib import RDF, SKOS, Graph, URIRef

from vocab import loader

ROOT = Path(__file__).resolve().parents[2]
CN = ROOT / "tests" / "fixtures" / "chinese"
SHANGHAI = CN / "mainland-portal-metadata-cnpds" / "shanghai_shanghai.json"
GUIYANG = CN / "mainland-portal-metadata-cnpds" / "guizhou_guiyang.json"
CNDATAAUDIT = CN / "cndataaudit-provincial-vocabularies" / "vocabulary.json"

EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
ACCESS = "http://publications.europa.eu/resource/authority/access-right/"
FREQ = "http://publications.europa.eu/resource/authority/frequency/"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
LICENCE = "http://publications.europa.eu/resource/authority/licence/"


def records(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def coverage(vocab: str, values: Counter) -> tuple[float, float, list[str]]:
    """(share of occurrences resolved, share of distinct values resolved, the unresolved values)."""
    v = loader.vocabulary(vocab)
    missed = [text for text in values if v.lookup(text) is None]
    by_count = 1 - sum(values[m] for m in missed) / sum(values.values())
    return by_count, 1 - len(missed) / len(values), sorted(missed)


def report(name: str, vocab: str, values: Counter) -> tuple[float, float, list[str]]:
    result = coverage(vocab, values)
    print(f"{name} -> {vocab}: {result[0]:.1%} of {sum(values.values())} values, "
          f"{result[1]:.1%} of {len(values)} distinct; unresolved: {result[2]}")
    return result


# ---- the files -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", loader.names())
def test_every_concept_has_zh_and_en_labels_and_belongs_to_the_scheme(name):
    g = loader.graph(name)
    vocab = loader.vocabulary(name)
    assert (URIRef(vocab.iri), RDF.type, SKOS.ConceptScheme) in g
    assert vocab.concepts()
    for concept in vocab.concepts():
        assert concept.labels.keys() >= {"zh", "en"}, concept.iri
        assert all(label.strip() for label in concept.labels.values()), concept.iri
        assert (URIRef(concept.iri), SKOS.inScheme, URIRef(vocab.iri)) in g, concept.iri


@pytest.mark.parametrize("name", loader.names())
def test_no_name_points_to_two_concepts_of_one_scheme(name):
    """lookup() would silently pick one of them, so an ambiguous label is a data bug."""
    owners: dict[str, set[str]] = {}
    for c in loader.vocabulary(name).concepts():
        for text in (*c.labels.values(), *c.alt_labels, *([c.notation] if c.notation else [])):
            owners.setdefault(loader.normalize(text), set()).add(c.iri)
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    assert not clashes


def test_every_data_file_is_a_registered_vocabulary():
    """A .ttl dropped into vocab/data without a loader name would be silently ignored."""
    schemes = set()
    for path in (ROOT / "vocab" / "data").glob("*.ttl"):
        g = Graph().parse(path, format="turtle")
        schemes |= {str(s) for s in g.subjects(RDF.type, SKOS.ConceptScheme)}
    assert schemes == {loader.vocabulary(n).iri for n in loader.names()}
    assert len(schemes) == len(loader.names())


def test_unknown_vocabulary_name_raises():
    with pytest.raises(KeyError):
        loader.vocabulary("no-such-vocabulary")


def test_loading_every_vocabulary_takes_well_under_a_second():
    code = ("import time; from vocab import loader; t = time.perf_counter(); "
            "[loader.vocabulary(n) for n in loader.names()]; print(time.perf_counter() - t)")
    seconds = float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                                   check=True).stdout)
    print(f"all vocabularies loaded in {seconds:.3f}s")
    assert seconds < 1.0


# ---- lookup ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("vocab", "text", "iri"), [
    ("frequency", "每天", FREQ + "DAILY"),
    ("frequency", " 每 天。", FREQ + "DAILY"),
    ("frequency", "DAILY", FREQ + "DAILY"),
    ("frequency", FREQ + "DAILY", FREQ + "DAILY"),
    ("frequency", "静态数据", FREQ + "NEVER"),
    ("frequency", "实时", FREQ + "UPDATE_CONT"),
    ("file-type", "ＸＬＳＸ", FILE_TYPE + "XLSX"),
    ("file-type", "excel", FILE_TYPE + "XLSX"),
    ("file-type", "Esri Shapefile", FILE_TYPE + "SHP"),
    ("file-type", "接口", "https://w3id.org/kaifang/def/file-type/API"),
    ("access-right", "有条件开放", ACCESS + "RESTRICTED"),
    ("access-right", "不予开放", ACCESS + "NON_PUBLIC"),
    ("licence", "https://creativecommons.org/licenses/by/4.0", LICENCE + "CC_BY_4_0"),
    ("licence", "http://opendatacommons.org/licenses/odbl/1.0/", LICENCE + "ODC_BL"),
    ("licence", "uk-ogl", LICENCE + "OGL_3_0"),
    ("licence", "http://creativecommons.org/publicdomain/zero/1.0/", LICENCE + "CC0"),
    ("licence", "http://www.usa.gov/publicdomain/label/1.0/", "https://w3id.org/kaifang/def/licence/public-domain"),
    ("licence", "https://project-open-data.cio.gov/unknown-license",
     "https://w3id.org/kaifang/def/licence/unspecified"),
    ("language", "zh", "http://publications.europa.eu/resource/authority/language/ZHO"),
    ("language", "中文", "http://publications.europa.eu/resource/authority/language/ZHO"),
    ("language", "ENG", "http://publications.europa.eu/resource/authority/language/ENG"),
    ("cn-admin", "沪", "https://w3id.org/kaifang/def/cn-admin/310000"),
    ("cn-admin", "Shanghai", "https://w3id.org/kaifang/def/cn-admin/310000"),
    ("cn-admin", "520000", "https://w3id.org/kaifang/def/cn-admin/520000"),
    ("eu-theme", "transport", EU_THEME + "TRAN"),
])
def test_lookup_resolves_the_spellings_catalogues_use(vocab, text, iri):
    concept = loader.vocabulary(vocab).lookup(text)
    assert concept is not None and concept.iri == iri


@pytest.mark.parametrize("text", ["", "   ", "。", "no such value", "每十年一次的奇怪频率", "http://example.org/x"])
def test_unknown_values_return_none(text):
    for name in loader.names():
        assert loader.vocabulary(name).lookup(text) is None


def test_a_label_wins_over_an_equivalent_iri_from_exact_match():
    """The EU TRAN IRI is an exactMatch of cn-theme's 交通运输, but in eu-theme it is TRAN itself."""
    assert loader.vocabulary("eu-theme").lookup(EU_THEME + "TRAN").iri == EU_THEME + "TRAN"
    assert loader.vocabulary("cn-theme").lookup(EU_THEME + "TRAN").labels["zh"] == "交通运输"


# ---- coverage of the real portal values ------------------------------------------------------------------

def test_shanghai_values_resolve():
    rows = records(SHANGHAI)
    access = report("Shanghai 开放属性", "access-right", Counter(r["开放属性"] for r in rows))
    freq = report("Shanghai 更新频度", "frequency", Counter(r["更新频度"] for r in rows))
    theme = report("Shanghai 国家主题分类", "cn-theme", Counter(r["国家主题分类"] for r in rows))
    domain = report("Shanghai 数据领域", "cn-domain", Counter(r["数据领域"] for r in rows))
    fmt = report("Shanghai 数据格式", "file-type", Counter(f for r in rows for f in r["数据格式"] or []))
    assert access[0] == freq[0] == theme[0] == domain[0] == 1.0
    # The misses are MapGIS files (WP/WT/WL/MPJ) on five datasets, which have no authority code.
    assert fmt[0] > 0.99
    assert set(fmt[2]) <= {"WP", "WT", "WL", "MPJ"}


def test_guiyang_values_resolve():
    rows = records(GUIYANG)
    access = report("Guiyang 开放属性", "access-right", Counter(r["开放属性"] for r in rows))
    freq = report("Guiyang 更新频率", "frequency", Counter(r["更新频率"] for r in rows))
    theme = report("Guiyang 主题名称", "cn-domain", Counter(r["主题名称"] for r in rows))
    fmt = report("Guiyang 数据格式", "file-type", Counter(f for r in rows for f in r["数据格式"] or []))
    assert access[0] == freq[0] == theme[0] == fmt[0] == 1.0


def test_provincial_vocabularies_mostly_resolve():
    """CNDataAudit lists the values 21 provincial portals offer; one-character values are scraping debris."""
    keys = {
        "access-right": ("开放状态", "开放条件", "开放类型", "开放属性", "开放模式"),
        "frequency": ("更新频率", "更新周期"),
        "file-type": ("文件格式", "格式", "数据格式", "文件类型"),
    }
    rows = records(CNDATAAUDIT)
    results = {}
    for vocab, fields in keys.items():
        values = Counter(v for r in rows for f in fields for v in r.get(f, []) if len(v) > 1)
        results[vocab] = report(f"CNDataAudit {'/'.join(fields)}", vocab, values)
    themes = Counter(v for r in rows for f in ("主题", "数据主题", "领域", "数据领域", "行业领域", "主题分类")
                     for v in r.get(f, []))
    themed = loader.vocabulary("cn-domain"), loader.vocabulary("cn-theme")
    hit = sum(n for v, n in themes.items() if any(t.lookup(v) for t in themed))
    total = sum(themes.values())
    print(f"CNDataAudit themes -> cn-domain|cn-theme: {hit / total:.1%} of {total}")
    assert results["access-right"][1] == 1.0
    assert results["frequency"][1] == 1.0
    assert results["file-type"][1] > 0.6  # misses: 数据集, 文件, 链接, 其他 ... which name no format
    assert hit / total > 0.75


# ---- mappings, labels, extras ----------------------------------------------------------------------------

@pytest.mark.parametrize(("vocab", "text", "eu"), [
    ("cn-theme", "城乡建设、环境保护", {"ENVI", "REGI"}),
    ("cn-theme", "交通运输", {"TRAN"}),
    ("cn-theme", "文化、卫生、体育", {"EDUC", "HEAL"}),
    ("cn-theme", "医疗保健", {"HEAL"}),
    ("cn-theme", "对外事务", {"INTR"}),
    ("cn-domain", "医疗卫生", {"HEAL"}),
    ("cn-domain", "交通运输", {"TRAN"}),
    ("cn-domain", "生态环境", {"ENVI"}),
])
def test_chinese_themes_map_to_eu_themes(vocab, text, eu):
    matches = loader.vocabulary(vocab).lookup(text).matches
    assert {m.removeprefix(EU_THEME) for m in matches if m.startswith(EU_THEME)} == eu


def test_every_eu_theme_match_target_is_an_eu_theme():
    eu = {c.iri for c in loader.vocabulary("eu-theme").concepts()}
    for name in ("cn-theme", "cn-domain"):
        for concept in loader.vocabulary(name).concepts():
            assert set(concept.matches) <= eu, concept.iri


def test_second_level_cn_themes_point_to_their_first_level_class():
    v = loader.vocabulary("cn-theme")
    assert v.lookup("环境保护").extra["broader"] == v.lookup("城乡建设、环境保护").iri
    assert v.lookup("城乡建设与环境保护综合类") == v.lookup("城乡建设、环境保护")


def test_label_for_and_fallback():
    assert loader.label_for(EU_THEME + "TRAN") == "交通"
    assert loader.label_for(EU_THEME + "TRAN", "en") == "Transport"
    assert loader.label_for(ACCESS + "PUBLIC", "fr") == "public"  # falls back to English
    assert loader.label_for("http://example.org/not-a-concept") is None


def test_file_types_carry_iana_media_types():
    v = loader.vocabulary("file-type")
    assert v.lookup("csv").extra["mediaType"] == "https://www.iana.org/assignments/media-types/text/csv"
    assert v.lookup("geojson").extra["mediaType"].endswith("/application/geo+json")
    for concept in v.concepts():
        media = concept.extra.get("mediaType")
        assert media is None or re.fullmatch(r"https://www\.iana\.org/assignments/media-types/[\w.+-]+/[\w.+-]+",
                                             media), concept.iri


def test_34_provinces_with_unique_gb2260_codes_and_plausible_extents():
    provinces = loader.vocabulary("cn-admin").concepts()
    codes = [p.notation for p in provinces]
    assert len(provinces) == 34 and len(set(codes)) == 34
    assert all(re.fullmatch(r"[1-8]\d0000", code) for code in codes)
    for p in provinces:
        assert p.iri.endswith("/" + p.notation)
        x0, y0, x1, y1 = bbox(p.extra["bbox"])
        assert 73 <= x0 < x1 <= 136 and 3 <= y0 < y1 <= 54, p.iri
    cities = {"310000": (121.47, 31.23), "110000": (116.40, 39.90), "520000": (106.71, 26.58),
              "650000": (87.62, 43.82), "810000": (114.17, 22.32)}
    for code, (lon, lat) in cities.items():
        x0, y0, x1, y1 = bbox(loader.vocabulary("cn-admin").lookup(code).extra["bbox"])
        assert x0 <= lon <= x1 and y0 <= lat <= y1, code


def bbox(wkt: str) -> tuple[float, float, float, float]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", wkt)]
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)
