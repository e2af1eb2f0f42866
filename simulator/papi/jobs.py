"""Nomad jobs for deployments: what ``Nomad.jobs.parse(<etc/**/nomad.hcl filled in>)`` gives,
built directly as the JSON PAPI then edits (``TaskGroups[0].Tasks``, ``Services``, ...).

The shapes follow the HCL templates of ai4-papi (job ``module-<uuid>``/``tool-<short>-<uuid>``,
group ``usergroup``, task ``main``, one Traefik-routed service per port), trimmed of what no
reader of the job needs. Each builder also says which ports answer once the job runs
(``serving``), which the simulated endpoint probe uses.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional


@dataclass
class JobSpec:
    job: dict
    serving: frozenset = frozenset()


@dataclass
class Owner:
    sub: str
    name: str
    email: str


@dataclass
class Placement:
    """Where and how the job is placed: the VO's namespace, domain and priority."""

    job_uuid: str
    namespace: str
    base_domain: str
    priority: int
    today: dt.date = field(default_factory=dt.date.today)


def _constraints(namespace: str) -> list[dict]:
    return [{"LTarget": "${meta.status}", "RTarget": "ready", "Operand": "regexp"},
            {"LTarget": "${meta.compute}", "RTarget": "true", "Operand": "="},
            {"LTarget": "${meta.namespace}", "RTarget": namespace, "Operand": "regexp"}]


def _affinities(weight: int = 100) -> list[dict]:
    # iMagine jobs keep off AI4EOSC nodes; CPU-only jobs prefer CPU nodes
    return [{"LTarget": "${meta.namespace}", "RTarget": "ai4eosc", "Operand": "regexp",
             "Weight": -weight},
            {"LTarget": "${meta.tags}", "RTarget": "cpu", "Operand": "regexp", "Weight": weight}]


def _service(uuid: str, label: str, host: str) -> dict:
    return {"Name": f"{uuid}-{label}", "PortLabel": label, "Provider": "consul",
            "Tags": ["traefik.enable=true", f"traefik.http.routers.{uuid}-{label}.tls=true",
                     f"traefik.http.routers.{uuid}-{label}.rule=Host(`{host}`, `www.{host}`)"],
            "Checks": None}


def _host(label: str, p: Placement) -> str:
    # ${meta.domain} is left for Nomad: PAPI fills it from the node once the job is placed
    return f"{label}-{p.job_uuid}." + "${meta.domain}" + f"-{p.base_domain}"


def _task(name: str, image: str, *, cores: int = 0, cpu: int = 0, memory: int = 0,
          env: Optional[dict] = None, command: Optional[str] = None,
          args: Optional[list] = None, ports: Iterable[str] = (), hook: Optional[str] = None,
          sidecar: bool = False, devices: Optional[list] = None, driver: str = "docker",
          restart_attempts: Optional[int] = None) -> dict:
    config: dict[str, Any] = {"force_pull": True, "image": image}
    if command is not None:
        config["command"] = command
    if args is not None:
        config["args"] = args
    if ports:
        config["ports"] = list(ports)
    return {"Name": name, "Driver": driver, "Config": config, "Env": dict(env or {}),
            "Resources": {"CPU": cpu or None, "Cores": cores or None, "MemoryMB": memory or None,
                          "MemoryMaxMB": memory or None, "Devices": devices},
            "Lifecycle": {"Hook": hook, "Sidecar": sidecar} if hook else None,
            "RestartPolicy": ({"Attempts": restart_attempts, "Mode": "fail"}
                              if restart_attempts is not None else None),
            "Templates": None, "Services": None}


def _job(name: str, p: Placement, owner: Owner, title: str, description: str,
         services: list[dict], tasks: list[dict], disk: int, ports: list[str],
         meta: Optional[dict] = None, affinity_weight: int = 100) -> dict:
    return {
        "ID": p.job_uuid, "Name": name, "Namespace": p.namespace, "Type": "service",
        "Region": "global", "Priority": p.priority, "Datacenters": ["*"],
        "Meta": {"owner": owner.sub, "owner_name": owner.name, "owner_email": owner.email,
                 "title": title[:45], "description": description[:1000], **(meta or {})},
        "Constraints": _constraints(p.namespace), "Affinities": _affinities(affinity_weight),
        "Reschedule": {"Attempts": 0, "Unlimited": False},
        "TaskGroups": [{
            "Name": "usergroup", "Count": 1, "PreventRescheduleOnLost": True,
            "Networks": [{"DynamicPorts": [{"Label": label, "Value": 0, "To": 0}
                                           for label in ports]}],
            "Services": services, "EphemeralDisk": {"SizeMB": disk},
            "Tasks": tasks}]}


def gpu_devices(gpu_num: int, gpu_type: str) -> Optional[list]:
    """The main task's GPU request: none for CPU jobs, any model without ``gpu_type``."""
    if gpu_num <= 0:
        return None
    constraints = ([{"LTarget": "${device.model}", "RTarget": gpu_type, "Operand": "="}]
                   if gpu_type else None)
    return [{"Name": "gpu", "Count": gpu_num, "Constraints": constraints, "Affinities": None}]


def _storage_tasks(p: Placement, storage: dict, rclone_env: dict) -> list[dict]:
    """Storage mount/cleanup and one dataset download per dataset, when every rclone_* is set."""
    if not all(v for k, v in storage.items() if k.startswith("rclone")):
        return []
    tasks = [_task("storage_mount", "registry.services.ai4os.eu/ai4os/docker-storage:latest",
                   cpu=50, memory=2000, env=dict(rclone_env, REMOTE_PATH="rshare:/",
                                                 LOCAL_PATH="/storage"),
                   hook="prestart", sidecar=True)]
    for i, dataset in enumerate(storage.get("datasets") or []):
        tasks.append(_task(f"dataset_download_{i}",
                           "registry.services.ai4os.eu/ai4os/docker-zenodo:latest", cpu=50,
                           memory=2000, env={"DOI": dataset["doi"],
                                             "FORCE_PULL": dataset["doi"]},
                           hook="prestart"))
    tasks.append(_task("storage_cleanup", "", driver="raw_exec", hook="poststop"))
    return tasks


def _rclone_env(storage: dict) -> dict:
    return {"RCLONE_CONFIG": storage.get("rclone_conf", ""), "RCLONE_CONFIG_RSHARE_TYPE": "webdav",
            "RCLONE_CONFIG_RSHARE_URL": storage.get("rclone_url", ""),
            "RCLONE_CONFIG_RSHARE_VENDOR": storage.get("rclone_vendor", ""),
            "RCLONE_CONFIG_RSHARE_USER": storage.get("rclone_user", ""),
            # the real PAPI runs `rclone obscure` on it; the simulator stores a marker instead
            "RCLONE_CONFIG_RSHARE_PASS": ("obscured:" + storage["rclone_password"]
                                          if storage.get("rclone_password") else "")}


def _deep_start_main(conf: dict, mlflow: dict, ports: list[str]) -> dict:
    """The ``main`` task of modules and of the dev-env: ``deep-start --<service>`` with the IDE
    password, storage and MLflow credentials, and a GPU request (CPU jobs hide the GPUs)."""
    general, hardware, storage = conf["general"], conf["hardware"], conf["storage"]
    env = {"jupyterPASSWORD": general["jupyter_password"], **_rclone_env(storage),
           "MLFLOW_TRACKING_URI": mlflow.get("uri", ""),
           "MLFLOW_TRACKING_USERNAME": mlflow.get("username", ""),
           "MLFLOW_TRACKING_PASSWORD": mlflow.get("password", "")}
    devices = gpu_devices(hardware["gpu_num"], hardware["gpu_type"])
    if devices is None:
        env["NVIDIA_VISIBLE_DEVICES"] = "none"
    return _task("main", f"{general['docker_image']}:{general['docker_tag']}",
                 cores=hardware["cpu_num"], memory=hardware["ram"], env=env,
                 command="deep-start", args=[f"--{general['service']}"], ports=ports,
                 devices=devices)


def _around_storage(p: Placement, storage: dict, tasks: list[dict]) -> list[dict]:
    """The storage tasks (mount and downloads before, cleanup after), when storage is set."""
    storage_tasks = _storage_tasks(p, storage, _rclone_env(storage))
    return storage_tasks[:-1] + tasks + storage_tasks[-1:]


# ---------------------------------------------------------------------------------- modules
def module_job(conf: dict, p: Placement, owner: Owner, mlflow: dict) -> JobSpec:
    general, hardware = conf["general"], conf["hardware"]
    service = general["service"]
    labels = ["api", "monitor", "ide", "ui", "custom"]
    # deepaas drops the IDE; the IDEs drop the DEEPaaS UI
    keep = [lbl for lbl in labels if lbl != ("ide" if service == "deepaas" else "ui")]
    services = [_service(p.job_uuid, lbl, _host(lbl, p)) for lbl in keep]
    tasks = [_task("email-notification", "registry.services.ai4os.eu/ai4os/docker-mail:client",
                   cores=1, env={"NUM_DAYS": "7", "DATE": str(p.today), "DEST": owner.email},
                   hook="prestart", restart_attempts=0),
             _deep_start_main(conf, mlflow, ["api", "monitor", "ide", "custom"])]
    if service == "deepaas":
        tasks.append(_task("ui", "registry.services.ai4os.eu/ai4os/deepaas_ui:latest", cpu=500,
                           memory=500, env={"DURATION": "10000d", "UI_PORT": 80}, ports=["ui"],
                           hook="poststart", sidecar=True, restart_attempts=0))
    job = _job(f"module-{p.job_uuid}", p, owner, general["title"], general["desc"], services,
               _around_storage(p, conf["storage"], tasks), hardware["disk"], labels)
    serving = {"deepaas": {"api", "ui"}, "jupyter": {"ide"}, "vscode": {"ide"}}.get(service, set())
    return JobSpec(job, frozenset(serving))


# ---------------------------------------------------------------------------------- tools
def dev_env_job(conf: dict, p: Placement, owner: Owner, mlflow: dict) -> JobSpec:
    general = conf["general"]
    labels = ["ide", "monitor", "api", "custom"]
    tasks = _around_storage(p, conf["storage"], [_deep_start_main(conf, mlflow, labels)])
    job = _job(f"tool-devenv-{p.job_uuid}", p, owner, general["title"], general["desc"],
               [_service(p.job_uuid, lbl, _host(lbl, p)) for lbl in labels], tasks,
               conf["hardware"]["disk"], labels)
    return JobSpec(job, frozenset({"ide"}))


def federated_job(conf: dict, p: Placement, owner: Owner, vault_token: str) -> JobSpec:
    general, hardware, flower = conf["general"], conf["hardware"], conf["flower"]
    service = general["service"]
    labels = ["fedserver", "monitor", "ide"]
    env = {"VAULT_TOKEN": vault_token, "jupyterPASSWORD": general["jupyter_password"],
           "CODE_CARBON": str(general["co2"]),
           **{f"FEDERATED_{k.upper()}": str(v) for k, v in flower.items()}}
    deep_start = service in ("deepaas", "jupyter", "vscode")
    main = _task("main", f"{general['docker_image']}:{general['docker_tag']}",
                 cores=hardware["cpu_num"], memory=hardware["ram"], env=env, ports=labels,
                 command="deep-start" if deep_start else None,
                 args=[f"--{service}"] if deep_start else None)
    job = _job(f"tool-fl-{p.job_uuid}", p, owner, general["title"], general["desc"],
               [_service(p.job_uuid, lbl, _host(lbl, p)) for lbl in labels], [main],
               hardware["disk"], labels)
    return JobSpec(job, frozenset({"ide"} if deep_start else {"fedserver"}))


def cvat_job(conf: dict, p: Placement, owner: Owner) -> JobSpec:
    general, storage = conf["general"], conf["storage"]
    host = f"{p.job_uuid}." + "${meta.domain}" + f"-{p.base_domain}"
    services = []
    for label in ("ui", "server", "grafana"):
        service = _service(p.job_uuid, label, host)
        service["Tags"][-1] = f"traefik.http.routers.{p.job_uuid}-{label}.rule=Host(`{host}`)"
        services.append(service)
    meta = {"restore_from": storage["cvat_backup"], "cvat_su_username": general["cvat_username"],
            "cvat_su_password": general["cvat_password"], **_rclone_env(storage),
            "RCLONE_REMOTE_PATH": "/ai4os-storage/tools/cvat"}
    tasks = [_task("share", "registry.services.ai4os.eu/ai4os/docker-storage:latest", cpu=500,
                   memory=4096, hook="prestart", sidecar=True),
             _task("main", "registry.services.ai4os.eu/ai4os/cvat-server:v2.7.3-AI4OS",
                   cpu=2000, memory=4096, ports=["server"]),
             _task("ui", "registry.services.ai4os.eu/ai4os/cvat-ui:v2.7.3-AI4OS", cpu=500,
                   memory=1024, ports=["ui"]),
             _task("db", "postgres:15-alpine", cpu=500, memory=2048, ports=["db"]),
             _task("syncremote", "registry.services.ai4os.eu/ai4os/docker-storage:latest",
                   cpu=500, memory=4096, hook="poststop")]
    job = _job(f"tool-cvat-{p.job_uuid}", p, owner, general["title"], general["desc"], services,
               tasks, 32768, ["ui", "server", "grafana", "db"], meta=meta, affinity_weight=50)
    return JobSpec(job, frozenset({"ui"}))


def nvflare_job(conf: dict, p: Placement, owner: Owner) -> JobSpec:
    general, hardware, nvflare = conf["general"], conf["hardware"], conf["nvflare"]
    labels = ["dashboard", "server-fl", "server-admin", "server-jupyter"]
    env = {"NVFL_USERNAME": nvflare["username"], "NVFL_PASSWORD": nvflare["password"],
           "NVFL_SERVER1": f"{p.job_uuid}-server." + "${meta.domain}" + f"-{p.base_domain}",
           "NVFL_SHORTNAME": p.job_uuid[:16], "NVFL_APP_LOCATION": nvflare["app_location"],
           "NVFL_STARTING_DATE": nvflare["starting_date"], "NVFL_END_DATE": nvflare["end_date"],
           "NVFL_PUBLIC_PROJECT": str(nvflare["public_project"])}
    tasks = [_task("main", "registry.services.ai4os.eu/ai4os/ai4os-nvflare-dashboard:2.5-Stifo",
                   cores=hardware["cpu_num"], memory=hardware["ram"], env=env,
                   ports=["dashboard"]),
             _task("server", "registry.services.ai4os.eu/ai4os/ai4os-nvflare-server:2.5-Stifo",
                   cpu=500, memory=1024, ports=["server-fl", "server-admin", "server-jupyter"],
                   hook="poststart", sidecar=True)]
    job = _job(f"tool-nvflare-{p.job_uuid}", p, owner, general["title"], general["desc"],
               [_service(p.job_uuid, lbl, _host(lbl, p)) for lbl in labels], tasks,
               hardware["disk"], labels)
    return JobSpec(job, frozenset({"dashboard", "server-jupyter"}))


def llm_job(conf: dict, p: Placement, owner: Owner, vllm_args: list, api_token: str,
            api_endpoint: str) -> JobSpec:
    general, llm = conf["general"], conf["llm"]
    kind = llm["type"]
    vllm = _task("vllm", "vllm/vllm-openai:v0.6.6", cores=4, memory=16000, ports=["vllm"],
                 args=vllm_args, env={"HUGGING_FACE_HUB_TOKEN": llm["HF_token"],
                                      "VLLM_API_KEY": api_token},
                 devices=[{"Name": "gpu", "Count": 1, "Affinities": None, "Constraints": [
                     {"LTarget": "${device.model}", "RTarget": "Tesla T4", "Operand": "="}]}])
    check = _task("check_vllm_startup", "curlimages/curl:8.8.0", cpu=100, memory=128,
                  hook="poststart")
    webui = _task("open-webui", "ghcr.io/open-webui/open-webui:main", cores=2, memory=8000,
                  ports=["ui"], env={"OPENAI_API_KEY": api_token,
                                     "OPENAI_API_BASE_URL": api_endpoint,
                                     "WEBUI_SECRET_KEY": api_token})
    admin = _task("create-admin", "curlimages/curl:8.8.0", cpu=100, memory=128,
                  hook="poststart",
                  env={"username": llm["ui_username"], "password": llm["ui_password"]})
    tasks = {"vllm": [vllm, check], "open-webui": [webui, admin]}.get(kind, [vllm, check, webui,
                                                                               admin])
    labels = {"vllm": ["vllm"], "open-webui": ["ui"]}.get(kind, ["ui", "vllm"])
    tasks[0]["Name"] = "main"  # PAPI renames the first task so that readers find "main"
    job = _job(f"tool-llm-{p.job_uuid}", p, owner, general["title"], general["desc"],
               [_service(p.job_uuid, lbl, _host(lbl, p)) for lbl in labels], tasks, 20000,
               labels)
    return JobSpec(job, frozenset(labels))


def ai4life_job(conf: dict, p: Placement, owner: Owner) -> JobSpec:
    general, hardware = conf["general"], conf["hardware"]
    labels = ["api", "ui", "monitor"]
    devices = gpu_devices(hardware["gpu_num"], hardware["gpu_type"])
    main = _task("main", f"{general['docker_image']}:{general['docker_tag']}",
                 cores=hardware["cpu_num"], memory=hardware["ram"],
                 env={"MODEL_NAME": general["model_id"]}, command="deep-start",
                 args=["--deepaas"], ports=["api", "monitor"], devices=devices)
    ui = _task("ui", "registry.services.ai4os.eu/ai4os/deepaas_ui:latest", cpu=500, memory=500,
               ports=["ui"], hook="poststart", sidecar=True)
    job = _job(f"tool-ai4life-{p.job_uuid}", p, owner, general["title"], general["desc"],
               [_service(p.job_uuid, lbl, _host(lbl, p)) for lbl in labels], [main, ui],
               hardware["disk"], labels)
    return JobSpec(job, frozenset({"api", "ui"}))
