"""Random calls to every PAPI route never raise inside the simulator: every answer is a JSON body
or the real plain-text 500 of a crash the real PAPI has too (never an unexpected exception), and
the cluster stays consistent."""
from __future__ import annotations

import datetime as dt
import json
import logging
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings, strategies as st

from simulator import Clock, Network, Scenario
from simulator.core.http import Request
from tests.papi.helpers import VO

PATHS = ["/", "/v1/", "/v1/catalog/modules", "/v1/catalog/tools/detail",
         "/v1/catalog/modules/{item}/metadata", "/v1/catalog/tools/{item}/config",
         "/v1/catalog/modules/refresh", "/v1/deployments/modules", "/v1/deployments/tools",
         "/v1/deployments/modules/{uuid}", "/v1/deployments/tools/{uuid}",
         "/v1/deployments/stats/user", "/v1/deployments/stats/cluster", "/v1/secrets",
         "/oidc/realms/ai4eosc/protocol/openid-connect/token", "/v1/batch"]
GROUPS = ["general", "hardware", "storage", "flower", "llm", "nvflare", "bogus"]
KEYS = ["title", "desc", "docker_image", "docker_tag", "service", "jupyter_password", "cpu_num",
        "gpu_num", "gpu_type", "ram", "disk", "rclone_url", "rclone_user", "rclone_password",
        "datasets", "cvat_username", "cvat_password", "type", "vllm_model_id", "username",
        "password", "rounds"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2, 60000), st.floats(0, 5),
                    st.text(max_size=10), st.sampled_from(
                        ["ai4oshub/ai4os-demo-app", "deepaas", "jupyter", "Tesla T4", "both",
                         "registry.cloud.ai4eosc.eu/x/y", "10.5281/zenodo.1", "vllm"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=2), st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)),
    max_leaves=5)
confs = st.one_of(st.none(), values, st.just({}), st.just({"hardware": {"cpu_num": 2}}),
                  st.dictionaries(st.sampled_from(GROUPS),
                                  st.one_of(values, st.dictionaries(st.sampled_from(KEYS), values,
                                                                    max_size=4)), max_size=3))
params = st.dictionaries(
    st.sampled_from(["vo", "vos", "full_info", "tool_name", "profile", "subpath", "secret_path",
                     "item_name"]),
    st.sampled_from([VO, "tutorials", "vo.imagine-ai.eu", "nope", "", "true", "maybe",
                     "ai4os-dev-env", "ai4os-llm", "ai4os-cvat", "x"]), max_size=4)
SCENARIO = Scenario.load("papi")


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(calls=st.lists(st.tuples(
    st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"]),
    st.sampled_from(PATHS), st.sampled_from(["ai4os-demo-app", "ai4os-llm", "nope", "%2F"]),
    st.sampled_from(["alice", "bob", "carol", "dave", None]), params, confs,
    st.sampled_from(["application/json", "text/plain", None])), min_size=1, max_size=6))
def test_random_calls_never_raise(calls, caplog):
    net = Network(SCENARIO, clock=Clock(start=dt.datetime(2026, 3, 2)))
    uuids = ["not-a-uuid"]
    with caplog.at_level(logging.ERROR, logger="simulator.papi.web"):
        for method, path, item, user, query, conf, content_type in calls:
            path = "/papi" + path.format(item=item, uuid=uuids[-1])
            headers = {}
            if content_type:
                headers["Content-Type"] = content_type
            if user:
                headers["Authorization"] = f"Bearer {net.papi.token_for(user)}"
            body = json.dumps(conf).encode() if conf is not None else b""
            response = net.handle(Request.build(method, path, urlencode(query, doseq=True),
                                                headers, body))
            if response.status == 500:
                assert response.body == b"Internal Server Error"
            elif method != "HEAD" or response.body:
                data = json.loads(response.body) if response.body else None
                if response.status == 200 and isinstance(data, dict) and "job_ID" in data:
                    uuids.append(data["job_ID"])
            net.clock.advance(1)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    # every job the cluster holds is one a create answered
    assert {j.id for j in net.papi.nomad.jobs.values()} <= set(uuids)
