"""An in-memory Nomad cluster (``cluster.py``): what PAPI's python-nomad calls answer.

    records.py      nodes, jobs, allocations, the API's errors
    cluster.py      the scheduler: placement, lifecycle, the python-nomad calls
    views.py        the JSON the Nomad HTTP API gives for each record
    constraints.py  job and device constraints against a node
    filters.py      Nomad filter expressions
"""
from simulator.papi.nomad.cluster import NomadCluster
from simulator.papi.nomad.filters import compile_filter
from simulator.papi.nomad.records import (
    FAIL_MESSAGE,
    NOMAD_VERSION,
    NS,
    NomadBadRequest,
    NomadError,
    NomadNotFound,
)

__all__ = ["FAIL_MESSAGE", "NOMAD_VERSION", "NS", "NomadBadRequest", "NomadCluster",
           "NomadError", "NomadNotFound", "compile_filter"]
