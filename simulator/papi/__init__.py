"""A faithful in-memory AI4EOSC Platform API (ai4-papi): catalog, deployments on a simulated
Nomad cluster, stats, with OIDC tokens from a simulated Keycloak realm. See ``platform.py``."""
from simulator.papi.platform import PREFIX, PapiPlatform

__all__ = ["PREFIX", "PapiPlatform"]
