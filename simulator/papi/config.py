"""The platform configuration the real PAPI reads from ``etc/main.yaml`` and its env, with the
simulator's own knobs (timings, token lifetime). A scenario's ``papi:`` section overrides it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from simulator.papi.errors import Crash

# auth.py: access levels, lowest to highest
LEVELS = ("ap-a", "ap-a1", "ap-b", "ap-u", "ap-d")

# etc/main.yaml at HEAD: VO -> (Nomad namespace, load-balancer base domain, MLflow URL)
_AI4EOSC, _MLFLOW = "deployments.cloud.ai4eosc.eu", "https://mlflow.cloud.ai4eosc.eu/"
_DEFAULT_VOS = {
    "vo.ai4eosc.eu": ("ai4eosc", _AI4EOSC, _MLFLOW),
    "vo.imagine-ai.eu": ("imagine", "deployments.cloud.imagine-ai.eu",
                         "https://mlflow.cloud.imagine-ai.eu/"),
    "vo.ai4life.eu": ("ai4life", _AI4EOSC, _MLFLOW),
    "kmd4eosc": ("kmd4eosc", _AI4EOSC, _MLFLOW),
    "tutorials": ("tutorials", _AI4EOSC, _MLFLOW),
}

# quotas.limit_resources: the tutorials VO gets reduced hardware (value, [min, max])
TUTORIAL_LIMITS = {"cpu_num": (2, [2, 4]), "gpu_num": (None, [0, 0]), "ram": (2000, [2000, 4000]),
                   "disk": (500, [300, 1000])}

# etc/main.yaml auth.CORS_origins (DASHBOARD_URL unset)
CORS_ORIGINS = (
    "https://dashboard.dev.imagine-ai.eu", "https://dashboard1.dev.imagine-ai.eu",
    "https://dashboard.cloud.imagine-ai.eu", "https://dashboard-stage.cloud.imagine-ai.eu",
    "https://dashboard.dev.ai4eosc.eu", "https://dashboard1.dev.ai4eosc.eu",
    "https://dashboard.cloud.ai4eosc.eu", "https://dashboard-stage.cloud.ai4eosc.eu",
    "https://ai4life.cloud.ai4eosc.eu", "https://kmd4eosc.cloud.ai4eosc.eu",
    "https://dashboard.kmd4eosc.pcss.pl", "https://tutorials.cloud.ai4eosc.eu",
    "http://localhost:8080",
)


@dataclass
class VO:
    name: str
    namespace: str
    domain: str
    mlflow: str = "https://mlflow.cloud.ai4eosc.eu/"
    limits: Optional[dict] = None       # hardware overrides as TUTORIAL_LIMITS
    priority: int = 50
    gpu_quota: int = 2                  # quotas.check_userwise: GPUs per user, modules + tools


@dataclass
class Timing:
    """How fast the simulated Nomad moves (seconds of the network's clock)."""

    queued: float = 1.0        # register -> allocation placed ("queued" -> "starting")
    starting: float = 2.0      # image pull -> task running ("starting" -> "running")
    stopping: float = 1.0      # deregister without purge -> job dead (the real one: within 3 s)
    gc: float = 4 * 3600.0     # a dead job is garbage-collected (Nomad's job_gc_threshold)


def default_vos() -> dict[str, VO]:
    vos = {name: VO(name, ns, domain, mlflow)
           for name, (ns, domain, mlflow) in _DEFAULT_VOS.items()}
    vos["tutorials"].limits = dict(TUTORIAL_LIMITS)
    vos["tutorials"].priority = 25
    return vos


@dataclass
class PapiConfig:
    vos: dict[str, VO] = field(default_factory=default_vos)
    issuer: Optional[str] = None            # default: <network url>/papi/oidc/realms/ai4eosc
    audience: str = "account"
    client_id: str = "ai4eosc-dashboard"
    token_seconds: int = 3600               # Keycloak's default is 300; 1 h is kinder to humans
    bearer_error_status: int = 401          # FastAPI >= 0.122 (401); older FastAPI: 403
    jenkins_token: Optional[str] = None     # env JENKINS_TOKEN for PUT .../refresh (unset: 401)
    accounting: Optional[Path] = None       # env ACCOUNTING_PTH (unset: user stats answer 500)
    wattnet: bool = True                    # False: cluster stats and creations answer 500, as
                                            # the real PAPI does without WattNet access
    cluster_stats_seconds: float = 30.0     # background refresh period of the cluster stats
    timing: Timing = field(default_factory=Timing)
    docker_origins: tuple[str, ...] = ("deephdc", "ai4oshub", "registry.cloud.ai4eosc.eu")
    cors_origins: tuple[str, ...] = CORS_ORIGINS
    failing_images: set[str] = field(default_factory=set)  # images whose task exits with code 1

    @property
    def vo_names(self) -> list[str]:
        return list(self.vos)

    def namespace(self, vo: str) -> str:
        """``MAIN_CONF['nomad']['namespaces'][vo]``: the real KeyError (500) for an unknown VO."""
        if vo not in self.vos:
            raise Crash(f"KeyError: {vo!r}")
        return self.vos[vo].namespace

    def namespaces(self) -> list[str]:
        return [v.namespace for v in self.vos.values()]
