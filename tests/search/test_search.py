"""The search service against the real Elasticsearch, over real Shanghai and Guiyang metadata."""

from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import shape

from search.client import connect
from search.filters import FACETS
from search.query import InvalidSearch, SearchParams, SearchService, SearchUnavailable
from tests.search import records as r

AIR = "https://data.sh.gov.cn/dataset/air"
FIJI = "https://data.example.org/dataset/fiji-reefs"
BUS_STOPS = "https://data.example.org/dataset/bus-stops"
BUSES = "https://data.example.org/dataset/buses"
RUSSIA = "https://data.example.org/dataset/russia-boundaries"
ULAANBAATAR = "https://data.example.org/dataset/ulaanbaatar-air"
BAY = "https://data.example.org/dataset/bay-soundings"
BROKEN = "https://data.example.org/dataset/broken-geometry"
DATELINE = "https://data.example.org/dataset/southern-ocean-drifters"
# a U open to the north; BAY lies in its bay, inside the U's envelope but outside the U
U_SHAPE = "POLYGON((-40 0, -30 0, -30 10, -33 10, -33 3, -37 3, -37 10, -40 10, -40 0))"


def _catalogue() -> list:
    shanghai, guiyang = r.shanghai_rows(), r.guiyang_rows()
    air_row = next(row for row in shanghai if "空气质量" in row["数据集名称"])
    out = [r.from_shanghai(row, i, themes=[r.TRAN] if i % 3 else [], licence=r.CC_BY if i % 2 else None)
           for i, row in enumerate(shanghai[:30])]
    out += [r.from_guiyang(row, i) for i, row in enumerate(guiyang[:15])]
    # a real Shanghai air-quality record under the title the issue asks for
    out.append(r.dataset(AIR, {"zh": "上海市空气质量监测数据"}, **_kwargs(air_row)))
    air_rows = [row for row in shanghai if "空气" in row["数据集名称"]][:4]
    out += [r.from_shanghai(row, 1000 + i) for i, row in enumerate(air_rows)]
    out += [
        r.dataset(BUS_STOPS, {"en": "Bus stops in Westminster"}, description={"en": "Every stop's location."},
                  publisher=("https://tfl.example.org", "Transport for London"), themes=[r.TRAN],
                  formats=["CSV"], modified="2024-03-01", keywords=[("transport", "en")]),
        r.dataset(BUSES, {"en": "Buses: passenger statistics"}, description={"en": "Journeys per route."},
                  publisher=("https://tfl.example.org", "Transport for London"), themes=[r.TRAN],
                  formats=["JSON"], modified="2023"),
        r.dataset(FIJI, {"en": "Coral reef surveys of Fiji"}, spatial=r.fiji_geometry(),
                  modified="2021-07-01"),
        r.dataset(RUSSIA, {"en": "Administrative boundaries of Russia"}, spatial=r.country_geometry("RUS")),
        r.dataset(ULAANBAATAR, {"en": "Ulaanbaatar air quality"}, spatial="POINT(106.9 47.9)"),
        r.dataset(BAY, {"en": "Bay soundings"}, spatial="POLYGON((-36 6, -34 6, -34 9, -36 9, -36 6))"),
        # drawn across the antimeridian (west 177°E, east 178°W), the way DCAT bboxes often are
        r.dataset(DATELINE, {"en": "Southern Ocean drifters"},
                  spatial="POLYGON((177 -50, -178 -50, -178 -45, 177 -45, 177 -50))"),
        r.dataset(BROKEN, {"en": "Broken geometry survey"},
                  spatial="POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))", temporal=("not a date", None)),
    ]
    return out


def _kwargs(row: dict) -> dict:
    return dict(description={"zh": row["摘要"]}, keywords=[("空气", "zh"), ("环境", "zh")],
                publisher=("https://data.sh.gov.cn/org/sthjj", "上海市生态环境局"), formats=["CSV", "JSON"],
                themes=[r.ENVI], temporal=("2019", "2020-06"),
                modified=row["更新日期"], issued=row["首次发布日期"], access_rights=r.ACCESS["无条件开放"],
                spatial=r.SHANGHAI_BOX)


@pytest.fixture(scope="module")
def service(tmp_path_factory, es, prefix) -> SearchService:
    return r.indexed(tmp_path_factory.mktemp("search"), es, prefix, _catalogue())


def iris(result) -> list[str]:
    return [h.iri for h in result.hits]


def test_chinese_words_find_a_longer_title(service):
    result = service.search(SearchParams(q="空气质量"))
    assert AIR in iris(result)
    assert all("空气" in h.title or "空气" in h.description for h in result.hits)
    assert "<mark>" in "".join(result.hits[0].highlights.get("title", []))


def test_chinese_query_with_full_width_and_punctuation(service):
    assert AIR in iris(service.search(SearchParams(q="上海市　空气质量，监测")))


def test_english_stemming_both_ways(service):
    assert BUSES in iris(service.search(SearchParams(q="bus")))
    assert BUS_STOPS in iris(service.search(SearchParams(q="buses")))
    assert BUSES in iris(service.search(SearchParams(q="statistic")))


def test_no_query_lists_everything_active(service):
    assert service.search(SearchParams()).total == len(_catalogue())


@pytest.mark.parametrize("name", sorted(FACETS))
def test_every_facet_filters_to_its_count(service, name):
    facet = service.search(SearchParams(lang="zh")).facets[name]
    if not facet:  # regions are filled by the geo gazetteer, not by these records
        assert service.search(SearchParams(filters={name: ["nowhere"]})).total == 0
        return
    value = facet[0]
    result = service.search(SearchParams(filters={name: [value.value]}, size=100))
    assert result.total == value.count > 0
    selected = result.facets[name]
    assert any(v.value == value.value and v.selected for v in selected)
    # a facet is counted without its own filter, so the alternatives stay visible
    assert len(selected) == len(facet)


def test_facet_labels_come_from_vocabularies_and_names(service):
    facets = service.search(SearchParams(lang="zh")).facets
    themes = {v.value: v.label for v in facets["theme"]}
    assert themes[r.ENVI] == "环境"
    publishers = {v.label for v in facets["publisher"]}
    assert "上海市生态环境局" in publishers and "Transport for London" in publishers


def test_filters_combine(service):
    both = service.search(SearchParams(filters={"theme": [r.TRAN], "format": ["CSV"]}))
    assert BUS_STOPS in iris(both) and BUSES not in iris(both)


def test_bbox_filter(service):
    shanghai = service.search(SearchParams(bbox=(121.0, 31.0, 121.5, 31.5), size=100))
    assert AIR in iris(shanghai)
    assert all("data.sh.gov.cn" in i for i in iris(shanghai))
    assert service.search(SearchParams(bbox=(-60, -60, -50, -50))).total == 0
    # a self-intersecting footprint is indexed repaired, so its dataset stays findable by area
    assert iris(service.search(SearchParams(bbox=(0, 0, 10, 10)))) == [BROKEN]


def test_bbox_across_the_antimeridian(service):
    assert iris(service.search(SearchParams(bbox=(170, -30, -170, -10)))) == [FIJI]
    west_part = next(p for p in shape(json.loads(r.fiji_geometry())).geoms if p.bounds[0] < 0)
    w, s, e, n = west_part.bounds
    assert iris(service.search(SearchParams(bbox=(w, s, e, n)))) == [FIJI]
    assert FIJI not in iris(service.search(SearchParams(bbox=(-100, -30, 100, 0))))


def test_polygon_filter(service):
    box = "POLYGON((106 26, 108 26, 108 28, 106 28, 106 26))"
    guiyang = service.search(SearchParams(polygon=box, size=100))
    assert guiyang.total == 15 and all("guiyang" in i for i in iris(guiyang))
    across = shapely.box(175, -25, 185, -10).wkt  # drawn past 180: not valid lon/lat
    with pytest.raises(InvalidSearch):
        service.search(SearchParams(polygon=across))


def test_bbox_across_the_antimeridian_finds_russia_by_chukotka_not_by_its_envelope(service):
    assert iris(service.search(SearchParams(bbox=(175, 60, -170, 70)))) == [RUSSIA]
    assert iris(service.search(SearchParams(bbox=(-179, 64, -175, 68)))) == [RUSSIA]
    assert RUSSIA not in iris(service.search(SearchParams(bbox=(-100, 60, -90, 70))))  # Canada


def test_an_extent_drawn_across_the_antimeridian_is_split_there(service):
    assert iris(service.search(SearchParams(bbox=(179, -48, -179, -47)))) == [DATELINE]
    assert iris(service.search(SearchParams(bbox=(-179.5, -48, -178.5, -47)))) == [DATELINE]
    assert iris(service.search(SearchParams(bbox=(178, -48, 179, -47)))) == [DATELINE]
    assert service.search(SearchParams(bbox=(0, -48, 10, -47))).total == 0  # not read as spanning the globe
    across = "POLYGON((178 -48, -179 -48, -179 -46, 178 -46, 178 -48))"
    assert iris(service.search(SearchParams(polygon=across))) == [DATELINE]


def test_polygon_filter_is_exact_for_a_concave_polygon(service):
    assert BAY in iris(service.search(SearchParams(bbox=shapely.from_wkt(U_SHAPE).bounds)))  # the envelope
    assert service.search(SearchParams(polygon=U_SHAPE)).total == 0
    arm = "POLYGON((-39 5, -38 5, -38 6, -39 6, -39 5))"
    assert iris(service.search(SearchParams(polygon=arm))) == []  # nothing indexed in the arm itself
    assert iris(service.search(SearchParams(polygon=shapely.box(-36, 8, -34, 11).wkt))) == [BAY]


def test_polygon_filter_with_a_real_country(service):
    china = r.country_geometry("CHN")
    assert shapely.from_wkt("POINT(106.9 47.9)").within(shapely.box(*shape(json.loads(china)).bounds))
    found = iris(service.search(SearchParams(polygon=china, size=100)))
    assert AIR in found and any("guiyang" in i for i in found)
    assert ULAANBAATAR not in found  # in China's envelope, not in China
    assert ULAANBAATAR in iris(service.search(SearchParams(polygon=r.country_geometry("MNG"))))


def test_temporal_and_modified_filters(service):
    assert iris(service.search(SearchParams(temporal=("2020-03", "2021")))) == [AIR]
    assert service.search(SearchParams(temporal=("2021", None))).total == 0
    recent = service.search(SearchParams(modified=("2024", None), size=100))
    assert BUS_STOPS in iris(recent) and BUSES not in iris(recent)
    with pytest.raises(InvalidSearch):
        service.search(SearchParams(modified=("yesterday", None)))


def test_sorts(service):
    by_date = service.search(SearchParams(sort="modified", size=100)).hits
    dates = [h.source.get("modified") for h in by_date if h.source.get("modified")]
    assert dates == sorted(dates, reverse=True)
    by_title = service.search(SearchParams(sort="title", filters={"theme": [r.TRAN]}, size=100)).hits
    titles = [h.source["display"]["title"] for h in by_title]
    first, second = {"en": "Bus stops in Westminster"}, {"en": "Buses: passenger statistics"}
    assert titles.index(first) < titles.index(second)


def test_shallow_pages_and_cursor(service):
    first = service.search(SearchParams(sort="title", size=10))
    second = service.search(SearchParams(sort="title", size=10, page=2))
    after = service.search(SearchParams(sort="title", size=10, after=first.next_after))
    assert iris(second) == iris(after) and not set(iris(first)) & set(iris(second))
    for bad in ("nonsense", first.next_after[:-3] + "!!!"):
        with pytest.raises(InvalidSearch):
            service.search(SearchParams(sort="title", after=bad))
    with pytest.raises(InvalidSearch):  # a cursor of another sort order
        service.search(SearchParams(sort="modified", after=first.next_after))
    with pytest.raises(InvalidSearch):
        service.search(SearchParams(page=500, size=100))


def test_suggest(service):
    assert "上海市空气质量监测数据" in service.suggest("上海市空")  # whole-string prefix (completion)
    assert "上海市空气质量监测数据" in service.suggest("空气")  # a word inside the title
    assert "上海市生态环境局" in service.suggest("上海市生态")  # publishers too
    assert "Transport for London" in service.suggest("transp")
    assert service.suggest("\x00\x1f ") == []


def test_related(service):
    related = iris(service.search(SearchParams(q="空气")))
    similar = [h.iri for h in service.related(AIR, size=5)]
    assert similar and AIR not in similar and set(similar) & set(related)


HOSTILE = ['"unbalanced', "((((", "a" * 10_000, "空" * 10_000, "*:*", "title:*", "/.*/", "[a-z]+{2,}",
           '{"script": {"source": "System.exit(0)"}}', "\x00\x01\x1b[31m\x7f", "-", "+-|~*", "\\", "~1 ^2",
           "AND OR NOT", "' OR 1=1 --", "<script>alert(1)</script>", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🤖", " ".join(["a*"] * 500)]


@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_are_answered(service, q):
    result = service.search(SearchParams(q=q, filters={"theme": [q], "nope": [q]}, lang=q[:5]))
    assert result.total >= 0
    for hit in result.hits:
        assert "<script>" not in "".join(f for frags in hit.highlights.values() for f in frags)
    assert isinstance(service.suggest(q), list)


def test_unreachable_engine_is_reported(service, prefix):
    down = SearchService(connect("http://127.0.0.1:9", timeout=2), prefix)
    with pytest.raises(SearchUnavailable):
        down.search(SearchParams(q="空气"))
    with pytest.raises(SearchUnavailable):
        down.suggest("空气")
    with pytest.raises(SearchUnavailable):  # no index yet
        SearchService(service.client, prefix + "-missing").search(SearchParams())
