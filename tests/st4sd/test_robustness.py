"""No request makes the simulated ST4SD raise: odd bodies, methods and identifiers get JSON
answers with the real codes; concurrent starts lose nothing."""
from __future__ import annotations

import threading

import pytest
import requests

from tests.st4sd.conftest import TOKEN, make_api
from tests.st4sd.helpers import payload, wait

ODD_BODIES = [None, b"", b"not json", b"[]", b"{}", b'{"a": 1}', b"null", b"123", b'"x"',
              b'{"inputs": "x"}', b'{"variables": [1]}', b'{"base": {"packages": [{}]}}']
PATHS = ["/rs/experiments/", "/rs/experiments/sum-numbers/start", "/rs/experiments/a:b@c/start",
         "/rs/experiments/sum-numbers", "/rs/instances/x", "/rs/instances/x/outputs/k/../..",
         "/ds-mongodb-proxy/documents/api/v1.0/query", "/ds-mongodb-proxy/documents/api/v1.0/upsert",
         "/ds-mongodb-proxy/documents/api/v1.0/may-insert", "/ds-registry/gateways/api/v1.0/unique_ids",
         "/ds-gateway/files/api/v1.1", "/ds-gateway/files/api/v1.0",
         "/ds-gateway/experiment/api/v1.0/location/file%3A%2F%2Fx%2Fy", "/ds-gateway/experiment/",
         "/rs/url-map/nope", "/nowhere", "/"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_odd_requests_get_json_answers(st4sd_net, pushed, method):
    for path in PATHS:
        for body in ODD_BODIES:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            response = requests.request(method, f"{st4sd_net.st4sd_url}{path}", data=body,
                                        headers=headers, cookies={"oauth-proxy": TOKEN})
            assert response.status_code in (200, 308, 400, 404, 405, 415, 500, 501), (path, body)
            if response.status_code >= 400:
                assert "message" in response.json(), (method, path, body, response.text)
            assert response.status_code != 500 or response.json()["message"], (path, body)
    assert st4sd_net.st4sd.runtime.list() == []  # no odd request started anything


def test_concurrent_starts_in_server_mode(st4sd_net, pushed):
    server = st4sd_net.serve(port=0)
    uids, errors = [], []

    def work():
        try:
            api = make_api(f"{server.url}/st4sd")
            for _ in range(3):
                uids.append(api.api_experiment_start("sum-numbers", payload()))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        api = make_api(f"{server.url}/st4sd")
        assert errors == [] and len(set(uids)) == 12
        for uid in uids:
            assert wait(api, uid)["status"]["exit-status"] == "Success"
        assert api.api_experiment_get("sum-numbers")["metadata"]["registry"]["timesExecuted"] == 12
    finally:
        server.stop()
