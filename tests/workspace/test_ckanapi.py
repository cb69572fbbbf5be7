"""An unchanged CKAN publishing script (ckanapi with an API key) against a real Kaifang server."""

from __future__ import annotations

import pytest
from ckanapi import RemoteCKAN
from ckanapi.errors import NotAuthorized, NotFound, ValidationError


def _package(name: str) -> dict:
    return {"name": name, "title": "公交线路", "notes": "全市公交线路。", "owner_org": "epb",
            "license_id": "CC-BY-4.0", "tags": [{"name": "交通"}, {"name": "bus"}],
            "resources": [{"url": "https://data.example.cn/files/bus.csv", "format": "CSV", "name": "线路"}]}


def test_package_create_update_patch_delete(ws, server):
    ckan = RemoteCKAN(server, apikey=ws.tokens["editor"])
    created = ckan.action.package_create(**_package("bus-routes"))
    assert created["title"] == "公交线路" and created["num_resources"] == 1
    assert created["organization"]["title"] == "生态环境局"
    assert ckan.action.package_show(id=created["id"])["name"] == created["name"]

    changed = {**_package("bus-routes"), "id": created["id"], "title": "公交线路 2024"}
    updated = ckan.action.package_update(**changed)
    assert updated["id"] == created["id"] and updated["title"] == "公交线路 2024"
    patched = ckan.action.package_patch(id="bus-routes", notes="更新说明")
    assert patched["notes"] == "更新说明" and patched["title"] == "公交线路 2024"
    assert patched["resources"][0]["url"] == "https://data.example.cn/files/bus.csv"

    with pytest.raises(ValidationError) as err:  # the name is taken
        ckan.action.package_create(**_package("bus-routes"))
    assert "name" in err.value.error_dict
    with pytest.raises(ValidationError) as err:  # SHACL: a resource without a URL has no dcat:accessURL
        ckan.action.package_create(**{**_package("broken"), "resources": [{"name": "no url"}]})
    assert any("accessURL" in message for message in err.value.error_dict["dcat"])

    ckan.action.package_delete(id=created["id"])
    with pytest.raises(NotFound):
        RemoteCKAN(server).action.package_show(id=created["id"])


def test_ckanapi_without_rights(ws, server):
    with pytest.raises(NotAuthorized):
        RemoteCKAN(server).action.package_create(**_package("anon"))
    with pytest.raises(NotAuthorized):
        RemoteCKAN(server, apikey=ws.tokens["viewer"]).action.package_create(**_package("viewer"))
    with pytest.raises(NotAuthorized):
        RemoteCKAN(server, apikey=ws.tokens["other_editor"]).action.package_delete(id=ws.seeded)
    with pytest.raises(ValidationError) as err:
        RemoteCKAN(server, apikey=ws.tokens["editor"]).action.package_create(
            **{**_package("nowhere"), "owner_org": "no-such-org"})
    assert "owner_org" in err.value.error_dict
    assert ws.store.get_by_name(ws.seeded).status == "active"
