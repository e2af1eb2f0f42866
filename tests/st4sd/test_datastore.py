"""The datastore: the Mongo query subset the client sends, the proxy's and registry's shapes,
the gateway's zip of absolute paths, and the other ways in (httpx)."""
from __future__ import annotations

import io
import zipfile

import httpx
import pytest
import requests

from simulator.st4sd.datastore import matches
from simulator.st4sd.errors import InternalError, NotImplementedInSimulator
from tests.st4sd.conftest import TOKEN
from tests.st4sd.helpers import payload, wait

DOC = {"type": "component", "instance": "file://gw/runs/a.instance", "name": "Sum", "stage": 1,
       "files": ["/runs/a.instance/stages/stage1/Sum/out.stdout", "/runs/a.instance/x.csv"],
       "metadata": {"userMetadata": {"rest-uid": "u1"}}, "flags": [{"k": 1}, {"k": 2}]}


@pytest.mark.parametrize("query, expected", [
    ({"type": "component", "stage": 1}, True),
    ({"stage": "1"}, False),                                       # no type coercion
    ({"instance": {"$regex": "file://gw/runs/a.instance"}}, True),  # unanchored, as re.search
    ({"name": {"$regex": "sum", "$options": "i"}}, True),
    ({"files": {"$elemMatch": {"$regex": ".*out.stdout"}}}, True),
    ({"files": {"$elemMatch": {"$regex": ".*err"}}}, False),
    ({"files": "/runs/a.instance/x.csv"}, True),                   # arrays match any element
    ({"metadata.userMetadata.rest-uid": "u1"}, True),              # dotted paths
    ({"metadata.userMetadata.rest-uid": "u2"}, False),
    ({"flags.k": 2}, True), ({"flags": {"$elemMatch": {"k": 3}}}, False),
    ({"missing": {"$exists": False}}, True), ({"stage": {"$exists": True}}, True),
    ({"stage": {"$in": [0, 1]}}, True), ({"stage": {"$nin": [1]}}, False),
    ({"stage": {"$gte": 1, "$lt": 2}}, True), ({"stage": {"$ne": 1}}, False),
    ({"$or": [{"stage": 0}, {"name": "Sum"}]}, True), ({"$and": [{"stage": 1}, {"name": "X"}]}, False),
    ({"missing": None}, True), ({"files": {"$size": 2}}, True),
    ({"name": {"$not": {"$regex": "^S"}}}, False),
])
def test_mongo_query_subset(query, expected):
    assert matches(DOC, query) is expected


def test_unsupported_and_unknown_operators():
    with pytest.raises(NotImplementedInSimulator):
        matches(DOC, {"stage": {"$type": "int"}})
    with pytest.raises(InternalError):
        matches(DOC, {"stage": {"$nonsense": 1}})


def test_proxy_registry_and_gateway_shapes(st4sd_net, api, pushed):
    uid = api.api_experiment_start("sum-numbers", payload())
    wait(api, uid)
    base, cookies = st4sd_net.st4sd_url, {"oauth-proxy": TOKEN}
    assert requests.get(f"{base}/ds-mongodb-proxy/hello/", cookies=cookies).json() == "hello"
    found = requests.post(f"{base}/ds-mongodb-proxy/documents/api/v1.0/query",
                          params={"stringifyNaN": "False"}, cookies=cookies,
                          json={"type": "experiment", "metadata.userMetadata.rest-uid": uid}).json()
    (experiment,) = found["document-descriptors"]
    assert experiment["status"]["exit-status"] == "Success"
    assert experiment["status"]["stages"] == "['stage0', 'stage1', 'stage2']"  # a string, as real
    assert experiment["output"]["TotalSum"]["version"] == 1
    gateway = requests.post(f"{base}/ds-registry/gateways/api/v1.0/unique_ids", cookies=cookies,
                            json=["st4sd-simulator", "unknown"]).json()
    assert gateway == {"st4sd-simulator": {"unique_id": "st4sd-simulator", "label": "st4sd-simulator",
                                           "host": f"{base}/ds-gateway"}}
    instance = experiment["instance"]
    path = instance[len("file://st4sd-simulator"):]
    wanted = [f"{path}/stages/stage1/Sum/total_sum.csv", f"{path}/nope.txt", "/etc/passwd"]
    response = requests.post(f"{base}/ds-gateway/files/api/v1.1", json={instance: wanted},
                             cookies=cookies)
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert ["/" + n.lstrip("/") for n in names] == [wanted[0]]  # only files of the instance
    assert requests.post(f"{base}/ds-gateway/files/api/v1.0", json={instance: wanted},
                         cookies=cookies).json() == {wanted[0]: "total,count,platform\n316.5,6,default\n"}


def test_httpx_reaches_st4sd_in_process(st4sd_net):
    with st4sd_net.intercept():
        response = httpx.get(f"{st4sd_net.st4sd_url}/rs/url-map/", cookies={"oauth-proxy": TOKEN})
    assert response.json() == {"consumable-computing": f"{st4sd_net.st4sd_url}/rs",
                               "cdb-rest": f"{st4sd_net.st4sd_url}/ds-mongodb-proxy",
                               "cdb-gateway-registry": f"{st4sd_net.st4sd_url}/ds-registry"}


def test_component_files_through_the_client(st4sd_net, api, pushed, tmp_path):
    uid = api.api_experiment_start("sum-numbers", payload())
    wait(api, uid)
    instance = api.cdb_get_document_user_metadata_for_rest_uid(uid)["instance"]
    docs, matrices = api.cdb_get_data(instance=instance, component="stage1.Sum",
                                      filename="total_sum.csv")
    assert [d["name"] for d in docs] == ["Sum"] and len(matrices) == 1
    raw = api.cdb_get_components_raw_files(instance=instance, filename="numbers.txt")
    ((uri, (doc, content)),) = raw.items()
    assert uri.endswith("/stages/stage0/ReadNumbers/numbers.txt") and doc["name"] == "ReadNumbers"
    assert content.decode().split() == ["1.0", "2.0", "3.5", "10.0", "100", "200"]
    api.cdb_download_component_files(instance, 1, "Sum", extract_to=str(tmp_path / "sum"))
    assert (tmp_path / "sum" / "total_sum.csv").read_text().startswith("total,count,platform")


@pytest.mark.parametrize("component", ["/etc/ssh", "/etc", "../../../..", "Sum/../../../..",
                                       "escape"])
def test_the_gateway_serves_nothing_outside_its_instances(st4sd_net, api, pushed, component):
    """``ds-gateway/experiment`` joins the component to the instance's stage folder: an absolute
    component, ``..`` or a link out of the instance is a folder the gateway does not have
    (its not-found answers: ``"False"``, and an empty download), never a host folder."""
    import os

    uid = api.api_experiment_start("sum-numbers", payload())
    wait(api, uid)
    instance = api.cdb_get_document_user_metadata_for_rest_uid(uid)["instance"]
    path = instance[len("file://st4sd-simulator"):]
    os.symlink("/etc", f"{path}/stages/stage1/escape")  # a link an experiment could leave
    base, cookies = st4sd_net.st4sd_url, {"oauth-proxy": TOKEN}
    query = {"experiment": path, "stage": 1, "component": component}
    exists = requests.get(f"{base}/ds-gateway/experiment/", params=query, cookies=cookies)
    assert (exists.status_code, exists.json()) == (200, "False")
    download = requests.get(f"{base}/ds-gateway/experiment/download", params=query,
                            cookies=cookies)
    assert (download.status_code, download.content) == (200, b'""\n')
    inside = dict(query, component="Sum")  # the instance's own folders still answer
    assert requests.get(f"{base}/ds-gateway/experiment/", params=inside,
                        cookies=cookies).json() == "True"
    names = zipfile.ZipFile(io.BytesIO(requests.get(
        f"{base}/ds-gateway/experiment/download", params=inside, cookies=cookies).content)).namelist()
    assert "total_sum.csv" in [n.split("/")[-1] for n in names]
