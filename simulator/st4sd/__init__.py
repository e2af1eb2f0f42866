"""A faithful in-memory ST4SD: runtime service, datastore (mongo-proxy, gateway registry, cluster
gateway) and an experiment runtime that really runs workflows as local subprocesses."""
from simulator.st4sd.platform import ST4SDPlatform

__all__ = ["ST4SDPlatform"]
