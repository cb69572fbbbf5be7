"""A filtered CKAN gather (`since`, `fq`) lists part of the site: records it leaves out are not withdrawn,
even with --force (which only overrides the shrink threshold); an unfiltered gather still withdraws."""

from __future__ import annotations

import uuid

import pytest

from harvesters.base import run
from harvesters.http import GuardedClient
from harvesters.source import SourceConfig
from tests.unit.test_map_ckan import FakeCkan, all_packages, ckan_server  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("ckan_server")


def _harvest(store, url: str, name: str, **config):  # noqa: ANN001, ANN202
    client = GuardedClient(allow_private=True, retries=0)
    try:
        return run(store, SourceConfig(name, url, "ckan", config={"rows": 3, **config}), client=client,
                   force=True)
    finally:
        client.close()


def _active(store, name: str) -> int:  # noqa: ANN001
    return sum(1 for d in store.iter_datasets() if d.source == f"harvest:{name}")


@pytest.mark.parametrize("config", [{"since": "2019-01-01"}, {"fq": "organization:some-org"}])
def test_a_filtered_gather_withdraws_nothing(store, ckan_server, config):  # noqa: F811
    name = f"ckan-{uuid.uuid4().hex[:8]}"
    first = _harvest(store, ckan_server, name)
    assert first.status == "finished" and first.counts["added"] == len(all_packages())
    if "fq" in config:  # the fake site ignores Solr filters: list a part of the site, as the filter would
        FakeCkan.packages = all_packages()[:2]
    second = _harvest(store, ckan_server, name, **config)
    assert second.status == "finished" and second.gather_complete
    assert 0 < second.counts["unchanged"] < len(all_packages())
    assert second.counts["withdrawn"] == 0 and _active(store, name) == len(all_packages())
    assert any("gather is filtered" in note for note in second.notes)


def test_an_unfiltered_gather_still_withdraws(store, ckan_server):  # noqa: F811
    name = f"ckan-{uuid.uuid4().hex[:8]}"
    _harvest(store, ckan_server, name)
    FakeCkan.packages = all_packages()[:-1]
    report = _harvest(store, ckan_server, name)
    assert report.counts["withdrawn"] == 1 and _active(store, name) == len(all_packages()) - 1
    assert not any("gather is filtered" in note for note in report.notes)
