"""The 3.x profile object: the 3.11.1 REST shapes over the 4.x records, 3.x algorithm conventions
(``runtime``), 3.x socket payloads, and sockets that refuse a bad token."""
from __future__ import annotations

import functools
from typing import Any, Callable

from simulator.vantage6.profiles import RUNTIME_VARIABLE, Profile


class V3Profile(Profile):
    name = "3.x"
    version = "3.11.1"
    encodes_environment = False  # a 3.x node hands the variables over as they are
    refuses_bad_socket_token = True  # 3.11.1's connect handler crashes: the namespace fails

    def route_tables(self):
        from simulator.vantage6.v3 import ROUTE_TABLES

        return ROUTE_TABLES

    def context_type(self) -> type:
        from simulator.vantage6.v3.context import V3Ctx

        return V3Ctx

    def client_serializer(self, api_path: str) -> Any:
        from simulator.vantage6.v3.serialize import V3Serializer

        return V3Serializer(api_path)

    def node_environment(self, env: dict[str, str], task: dict) -> dict[str, str]:
        # a 3.x node: the task's one database label, variables not encoded
        env = dict(env)
        databases = task.get("databases") or [{"label": "default"}]
        env["USER_REQUESTED_DATABASE_LABEL"] = databases[0]["label"]
        env[RUNTIME_VARIABLE] = self.name
        return env

    def algorithm_entry(self, module: str) -> Callable[[], None]:
        from simulator.vantage6.v3 import runtime

        return functools.partial(runtime.wrap_algorithm, module)

    def run_container(self, module: str) -> None:
        from simulator.vantage6.v3 import runtime

        runtime.wrap_algorithm(module)  # docker_wrapper(PKG_NAME) of a 3.x image

    def socket_events(self, event, state) -> list[tuple[str, Any]]:
        data = dict(event.data)
        if event.name == "new_task":
            task = state.tasks.get(data["id"])
            created = {"task_id": data["id"], "run_id": task.job_id if task else None,
                       "collaboration_id": task.collaboration.id if task else None,
                       "init_org_id": task.init_org.id if task else None}
            return [("task_created", created), ("new_task", data["id"])]
        if event.name == "status_update":
            return [("status_update", {"result_id": data["run_id"]})]
        if event.name == "algorithm_status_change":
            task = state.tasks.get(data.get("task_id"))
            return [("algorithm_status_change", {
                "status": data.get("status"), "result_id": data.get("run_id"),
                "task_id": data.get("task_id"), "run_id": task.job_id if task else None,
                "collaboration_id": data.get("collaboration_id"), "node_id": data.get("node_id"),
                "organization_id": data.get("organization_id"),
                "parent_id": data.get("parent_id")})]
        if event.name == "kill_containers" and "kill_list" in data:
            data["kill_list"] = [{"task_id": k["task_id"], "result_id": k["run_id"],
                                  "organization_id": k["organization_id"]}
                                 for k in data["kill_list"]]
        return [(event.name, data)]


V3 = V3Profile()
