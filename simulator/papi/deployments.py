"""Module and tool deployments: ``routers/v1/deployments/{modules,tools}.py`` over
``nomad/common.py``, ported to the in-memory Nomad. No HTTP here: callers pass the user's
``auth_info`` (``auth.get_user_info``) and get dicts or typed errors back."""
from __future__ import annotations

import datetime as dt
import random
import re
import uuid
from typing import Callable, Optional

from simulator.core.clock import Clock
from simulator.core.events import EventTrace
from simulator.papi import auth, jobs, userconf
from simulator.papi.catalog import Catalog
from simulator.papi.config import PapiConfig, VO
from simulator.papi.errors import BadRequest, Crash, PapiError, Unauthorized
from simulator.papi.nomad import NS, NomadCluster, NomadError, NomadNotFound
from simulator.papi.stats import ClusterStats, proper_allocation
from simulator.papi.vault import Vault

SERVICE2ENDPOINT = {"deepaas": "api", "jupyter": "ide", "vscode": "ide"}
_HOST = re.compile(r"Host(?:SNI)?\(`(.+?)`")
DOWN_MSG = ("There seems to be network issues in the cluster. Please wait until the network is "
            "restored and you should be able to fully recover your deployment.")
HARBOR = "registry.cloud.ai4eosc.eu"
TOOL_RESTRICTIONS = {"ai4os-llm": ["vo.imagine-ai.eu"]}


class Uuid1:
    """``uuid.uuid1()`` on the network's clock: time-ordered, deterministic under a seed."""

    def __init__(self, rng: random.Random) -> None:
        self.node = rng.getrandbits(48) | (1 << 40)  # multicast bit: a random node id
        self.clock_seq = rng.getrandbits(14)
        self._last = 0

    def at(self, timestamp: float) -> str:
        ticks = max(int(timestamp * 10_000_000) + 0x01B21DD213814000, self._last + 1)
        self._last = ticks
        fields = (ticks & 0xFFFFFFFF, (ticks >> 32) & 0xFFFF, (ticks >> 48) & 0x0FFF,
                  (self.clock_seq >> 8) & 0x3F, self.clock_seq & 0xFF, self.node)
        return str(uuid.UUID(fields=fields, version=1))


class Deployments:
    def __init__(self, config: PapiConfig, nomad: NomadCluster, tools: Callable[[], Catalog],
                 vault: Vault, stats: ClusterStats, clock: Clock, rng: random.Random,
                 events: Optional[EventTrace] = None) -> None:
        self.config = config
        self.events = events or EventTrace(clock)
        self.nomad = nomad
        self._tools = tools
        self.vault = vault
        self.stats = stats
        self.clock = clock
        self.rng = rng
        self.uuids = Uuid1(rng)

    # ------------------------------------------------------------------ helpers
    def _vo(self, vo: str) -> VO:
        # an unknown VO has no special limits; it crashes later, at its namespace lookup
        return self.config.vos.get(vo) or VO(vo, "", "")

    # ------------------------------------------------------------------ read
    def describe(self, deployment_uuid: str, namespace: str, owner: str,
                 full_info: bool) -> dict:
        """``nomad.common.get_deployment``: a Nomad job as PAPI shows it."""
        nomad = self.nomad
        try:
            j = nomad.get_job(deployment_uuid, namespace)
        except NomadNotFound:
            raise BadRequest("No deployment exists with this uuid.")
        if j["Meta"] and owner != j["Meta"].get("owner", ""):
            raise BadRequest("You are not the owner of that deployment.")
        try:
            meta = j["Meta"]
            info = {"job_ID": j["ID"], "name": j["Name"], "status": "", "owner": meta["owner"],
                    "title": meta["title"], "description": meta["description"],
                    "docker_image": None, "docker_command": None,
                    "submit_time": dt.datetime.fromtimestamp(
                        j["SubmitTime"] // NS, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
                    "resources": {}, "endpoints": {}, "active_endpoints": None,
                    "main_endpoint": None, "alloc_ID": None, "datacenter": None}
            group = j["TaskGroups"][0]
            usertask = [t for t in group["Tasks"] if t["Name"] == "main"][0]
        except (KeyError, IndexError, TypeError) as exc:
            raise Crash(f"{type(exc).__name__}: {exc}")
        info["docker_image"] = usertask["Config"]["image"]
        command = usertask["Config"].get("command", "")
        args = usertask["Config"].get("args", [])
        info["docker_command"] = f"{command} {' '.join(args)}".strip()

        for service in group.get("Services") or []:
            label = service["PortLabel"]
            url = "missing-endpoint"
            for tag in service.get("Tags") or []:
                match = _HOST.search(tag)
                if match:
                    url = match.group(1)
                    break
            if label == "deepaas":  # ports of old deployments
                label = "api"
            info["endpoints"][label] = f"https://{url}"
        if "api" in info["endpoints"]:
            info["endpoints"]["api"] += "/ui"
        match = re.search("deep-start --(.*)$", info["docker_command"])
        if match and match.group(1) in SERVICE2ENDPOINT:
            info["main_endpoint"] = SERVICE2ENDPOINT[match.group(1)]
        else:
            info["main_endpoint"] = list(info["endpoints"].keys())[0]

        allocs = nomad.get_allocations(j["ID"], namespace)
        if allocs:
            a = nomad.get_allocation(proper_allocation(allocs))
            info["alloc_ID"] = a["ID"]
            node = nomad.get_node(a["NodeID"])
            info["datacenter"] = node["Datacenter"]
            if a["TaskStates"]:
                try:
                    state = a["TaskStates"]["main"]["State"]
                except KeyError as exc:
                    raise Crash(f"KeyError: {exc}")
            else:
                state = "queued"
            status = {"pending": "starting", "unknown": "down"}.get(state, state)
            if status == "dead":
                status = a["ClientStatus"]
            info["status"] = status
            if status == "down":
                info["error_msg"] = DOWN_MSG
            elif state == "failed":  # never reported by Nomad, kept for fidelity
                message = a["TaskStates"]["main"]["Events"][0]["Message"]
                info["error_msg"] = message
            res = a["AllocatedResources"]["Tasks"]["main"]
            gpu = ([d for d in res["Devices"] if d["Type"] == "gpu"][0]
                   if res["Devices"] else None)
            cores = res["Cpu"]["ReservedCores"]
            info["resources"] = {"cpu_num": len(cores) if cores else 0,
                                 "cpu_MHz": res["Cpu"]["CpuShares"],
                                 "gpu_num": len(gpu["DeviceIDs"]) if gpu else 0,
                                 "memory_MB": res["Memory"]["MemoryMB"],
                                 "disk_MB": a["AllocatedResources"]["Shared"]["DiskMB"]}
            domain = nomad.get_node(a["NodeID"])["Meta"]["domain"]
            for key, value in info["endpoints"].items():
                info["endpoints"][key] = value.replace("${meta.domain}", domain)
            if full_info:
                # the real PAPI GETs each endpoint (2 s timeout); the simulator asks its Nomad
                info["active_endpoints"] = [
                    key for key in info["endpoints"]
                    if nomad.endpoint_up(j["ID"], namespace, key)]
            if info["status"] == "down" and info["active_endpoints"]:
                info["active_endpoints"] = []
        else:
            info["status"] = "queued"
            res = usertask["Resources"]
            gpu = ([d for d in res["Devices"] if d["Name"] == "gpu"][0]
                   if res["Devices"] else None)
            info["resources"] = {"cpu_num": res["Cores"], "cpu_MHz": 0,
                                 "gpu_num": gpu["Count"] if gpu else 0,
                                 "memory_MB": res["MemoryMB"],
                                 "disk_MB": group["EphemeralDisk"]["SizeMB"]}
        if full_info:
            info["templates"] = {t["DestPath"]: t["EmbeddedTmpl"]
                                 for t in usertask.get("Templates") or []}
        return info

    def get(self, auth_info: dict, vo: str, deployment_uuid: str, full_info: bool,
            kind: str) -> dict:
        auth.check_authorization(auth_info, vo)
        namespace = self.config.namespace(vo)
        info = self.describe(deployment_uuid, namespace, auth_info["id"], full_info)
        if not info["name"].startswith(kind):
            raise BadRequest(f"This deployment is not a {kind}.")
        if kind == "tool":
            self._tool_extras(info)
        return info

    @staticmethod
    def _tool_extras(info: dict) -> None:
        match = re.search(r"tool-(.*?)-[a-f0-9-]{36}", info["name"])
        tool_id = userconf.TOOLS_NOMAD2ID.get(match.group(1) if match else "", "")
        info["tool_name"] = tool_id
        ignore = {"ai4os-cvat": ("server", "grafana"),
                  "ai4os-nvflare": ("server-admin", "server-fl")}.get(tool_id, ())
        if ignore:
            info["endpoints"] = {k: v for k, v in info["endpoints"].items() if k not in ignore}
            if info["active_endpoints"]:
                info["active_endpoints"] = [k for k in info["active_endpoints"]
                                            if k not in ignore]
        if tool_id == "ai4os-ai4life-loader":
            info["main_endpoint"] = "ui"

    def list(self, auth_info: dict, vos: Optional[list[str]], full_info: bool,
             kind: str) -> list[dict]:
        if vos is None:
            # set(None): the "all your VOs" default went away with the flaat era
            raise Crash("TypeError: 'NoneType' object is not iterable")
        wanted = [vo for vo in dict.fromkeys(vos) if vo in self.config.vos]
        if not wanted:
            raise Unauthorized(f"Your VOs do not match available VOs: {self.config.vo_names}.")
        found = []
        for vo in wanted:
            namespace = self.config.namespace(vo)
            expr = (f'Status != "dead" and Name matches "^{kind}" and Meta is not empty and '
                    f'Meta.owner == "{auth_info["id"]}"')
            for stub in self.nomad.get_jobs(namespace, expr):
                try:
                    found.append(self.get(auth_info, vo, stub["ID"], full_info, kind))
                except PapiError:
                    continue
        seq = [d["submit_time"] for d in found]
        order = sorted(range(len(seq)), key=seq.__getitem__)[::-1]
        return [found[i] for i in order]

    # ------------------------------------------------------------------ delete
    def delete(self, auth_info: dict, vo: str, deployment_uuid: str, kind: str) -> dict:
        auth.check_authorization(auth_info, vo)
        namespace = self.config.namespace(vo)
        info = self.describe(deployment_uuid, namespace, auth_info["id"], full_info=False)
        purge = info["status"] in ("starting", "queued", "complete", "failed", "error", "down",
                                   "dead")
        self.nomad.deregister_job(deployment_uuid, namespace, purge=purge)
        self.events.emit("papi_deployment_deleted", {"job_ID": deployment_uuid, "vo": vo,
                                                     "owner": auth_info["id"], "purge": purge})
        if kind == "tool":
            for path in self.vault.list(auth_info["id"], vo, f"/deployments/{deployment_uuid}"):
                self.vault.delete(auth_info["id"], vo, path)
        return {"status": "success"}

    # ------------------------------------------------------------------ create
    def _prepare(self, auth_info: dict, vo: str, item: str, conf: Optional[dict]) -> dict:
        """Steps shared by modules and tools: merge, validate, job-wise and user-wise quotas."""
        user_conf = userconf.values(userconf.full_conf(item))
        if conf is not None:
            userconf.update_values_conf(conf, user_conf)
        userconf.validate_conf(user_conf, self.config.docker_origins)
        if "hardware" in user_conf:
            userconf.check_jobwise(user_conf, item, self._vo(vo))
        current = (self.list(auth_info, [vo], False, "module")
                   + self.list(auth_info, [vo], False, "tool"))
        userconf.check_userwise(user_conf, current, self._vo(vo))
        return user_conf

    def _placement(self, vo: str) -> jobs.Placement:
        vo_conf = self._vo(vo)
        return jobs.Placement(self.uuids.at(self.clock.timestamp()), self.config.namespace(vo),
                              vo_conf.domain, vo_conf.priority, self.clock.now().date())

    def _mlflow(self, auth_info: dict, vo: str) -> dict:
        credentials = self.vault.list(auth_info["id"], vo, "/services").get(
            "/services/mlflow/credentials", {})
        return {"uri": self._vo(vo).mlflow, **credentials}

    def _submit(self, spec: jobs.JobSpec, vo: str,
                before_register: Optional[Callable[[], None]] = None) -> dict:
        """The end of every creation, in the real order: ``Nomad.jobs.parse`` (type errors are
        a 500), the green datacenter affinities (cluster stats, so WattNet), module-only checks,
        then ``register_job``, whose refusal is a 200 ``{"status": "fail"}``."""
        _check_parseable(spec.job)
        spec.job["Affinities"] = spec.job["Affinities"] + self.stats.affinities()
        if before_register is not None:
            before_register()
        try:
            self.nomad.register_job({"Job": spec.job}, serving=spec.serving)
        except NomadError as exc:
            return {"status": "fail", "error_msg": str(exc)}
        self.events.emit("papi_deployment_created", {"job_ID": spec.job["ID"], "vo": vo,
                                                     "name": spec.job["Name"],
                                                     "owner": spec.job["Meta"]["owner"]})
        return {"status": "success", "job_ID": spec.job["ID"]}

    def create_module(self, auth_info: dict, vo: str, conf: Optional[dict]) -> dict:
        auth.check_authorization(auth_info, vo)
        user_conf = self._prepare(auth_info, vo, "module", conf)
        mlflow = self._mlflow(auth_info, vo)
        userconf.check_ide_password(user_conf)
        placement = self._placement(vo)
        owner = jobs.Owner(auth_info["id"], auth_info["name"], auth_info["email"])
        try:
            spec = jobs.module_job(user_conf, placement, owner, mlflow)
        except (TypeError, KeyError, AttributeError, ValueError) as exc:
            raise Crash(f"{type(exc).__name__}: {exc}")
        return self._submit(spec, vo, lambda: self._check_harbor(user_conf, auth_info))

    def _check_harbor(self, user_conf: dict, auth_info: dict) -> None:
        image = user_conf["general"]["docker_image"]
        if image.split("/")[0] != HARBOR:
            return
        if image.split("/")[-1] != auth_info["id"].replace("@", "_at_"):
            raise Unauthorized("You are not the owner of the Harbor image.")
        # snapshots are not simulated, so no snapshot tag exists
        raise BadRequest("The snapshot does not exist.")

    def create_tool(self, auth_info: dict, vo: str, tool_name: str,
                    conf: Optional[dict]) -> dict:
        auth.check_authorization(auth_info, vo)
        if tool_name not in self._tools():
            raise BadRequest("This ID does not correspond to an available tool.")
        if vo in TOOL_RESTRICTIONS.get(tool_name, []):
            raise PapiError(403, "Your VO doesn't allow to deploy this tool.")
        user_conf = self._prepare(auth_info, vo, tool_name, conf)
        placement = self._placement(vo)
        owner = jobs.Owner(auth_info["id"], auth_info["name"], auth_info["email"])
        sub = auth_info["id"]
        try:
            if tool_name == "ai4os-dev-env":
                mlflow = self._mlflow(auth_info, vo)
                userconf.check_ide_password(user_conf, always=True)
                spec = jobs.dev_env_job(user_conf, placement, owner, mlflow)
            elif tool_name == "ai4os-federated-server":
                self.vault.put(sub, vo, f"deployments/{placement.job_uuid}/federated/default",
                               {"token": self._token_hex()})
                vault_token = "hvs." + self._token_hex()[:24]
                spec = jobs.federated_job(user_conf, placement, owner, vault_token)
            elif tool_name == "ai4os-cvat":
                general, storage = user_conf["general"], user_conf["storage"]
                if not (general["cvat_username"] and general["cvat_password"]):
                    raise BadRequest("You must fill all CVAT-related variables.")
                if not all(v for k, v in storage.items() if k.startswith("rclone")):
                    raise BadRequest("You must fill all RCLONE-related variables.")
                spec = jobs.cvat_job(user_conf, placement, owner)
            elif tool_name == "ai4os-nvflare":
                nvflare = user_conf["nvflare"]
                if not (nvflare["username"] and nvflare["password"]):
                    raise BadRequest("You must provide credentials for NVFLARE.")
                spec = jobs.nvflare_job(user_conf, placement, owner)
            elif tool_name == "ai4os-llm":
                spec = self._llm(user_conf, placement, owner, vo, sub)
            else:  # ai4os-ai4life-loader
                spec = jobs.ai4life_job(user_conf, placement, owner)
        except (TypeError, KeyError, AttributeError, ValueError) as exc:
            raise Crash(f"{type(exc).__name__}: {exc}")
        return self._submit(spec, vo)

    def _llm(self, user_conf: dict, placement: jobs.Placement, owner: jobs.Owner, vo: str,
             sub: str) -> jobs.JobSpec:
        llm = user_conf["llm"]
        kind = llm["type"]
        vllm_args: list = []
        api_token = api_endpoint = ""
        if kind == "open-webui":
            if not (llm["openai_api_key"] and llm["openai_api_url"]):
                raise BadRequest("You need to define an OpenAI key and url to deploy Open WebUI "
                                 "as standalone.")
            api_token, api_endpoint = llm["openai_api_key"], llm["openai_api_url"]
        if kind in ("openwebui", "both"):  # sic: "openwebui", so standalone skips these checks
            if not llm["ui_username"]:
                raise BadRequest("A username is required to deploy this tool.")
            if not llm["ui_password"]:
                raise BadRequest("A password is required to deploy this tool.")
        if kind in ("vllm", "both"):
            if "Tesla T4" not in self._gpu_models(vo):
                raise PapiError(405, "vLLM deployments need a Tesla T4 GPU and there is none "
                                     "available in this VO.")
            api_token = self._token_hex()
            self.vault.put(sub, vo, f"deployments/{placement.job_uuid}/llm/vllm",
                           {"token": api_token})
            api_endpoint = (f"https://vllm-{placement.job_uuid}" + ".${meta.domain}"
                            + f"-{placement.base_domain}/v1")
            model_id = llm["vllm_model_id"]
            models = userconf.vllm_models()
            vllm_args = ["--model", model_id] + list(models[model_id]["args"])
            if models[model_id]["needs_HF_token"] and not llm["HF_token"]:
                raise BadRequest("This model requires a valid Huggingface token for deployment.")
        return jobs.llm_job(user_conf, placement, owner, vllm_args, api_token, api_endpoint)

    def _token_hex(self) -> str:
        return "%064x" % self.rng.getrandbits(256)

    def _gpu_models(self, vo: str) -> list[str]:
        return gpu_models(self.nomad, self.config.namespace(vo))


def gpu_models(nomad: NomadCluster, namespace: str) -> list[str]:
    """``get_gpu_models``: GPU models of the eligible nodes serving a namespace."""
    models = set()
    for stub in nomad.get_nodes(resources=True):
        if namespace not in nomad.get_node(stub["ID"])["Meta"]["namespace"]:
            continue
        if stub["SchedulingEligibility"] != "eligible":
            continue
        for device in stub["NodeResources"]["Devices"] or []:
            if device["Type"] == "gpu":
                models.add(device["Name"])
    return sorted(models)


def _check_parseable(job: dict) -> None:
    """What ``Nomad.jobs.parse`` refuses in the filled-in HCL (a 400 PAPI does not catch)."""
    for task in job["TaskGroups"][0]["Tasks"]:
        res = task["Resources"]
        for key in ("Cores", "MemoryMB"):
            if res.get(key) is not None and (not isinstance(res[key], int)
                                             or isinstance(res[key], bool)):
                raise Crash(f"BadRequestNomadException: {key} must be an integer")
        for device in res.get("Devices") or []:
            if not isinstance(device["Count"], int) or isinstance(device["Count"], bool):
                raise Crash("BadRequestNomadException: device count must be an integer")
    disk = job["TaskGroups"][0]["EphemeralDisk"]["SizeMB"]
    if not isinstance(disk, int) or isinstance(disk, bool):
        raise Crash("BadRequestNomadException: ephemeral disk size must be an integer")
    meta = job.get("Meta") or {}
    if not all(isinstance(v, str) for v in meta.values()):
        raise Crash("BadRequestNomadException: meta values must be strings")
