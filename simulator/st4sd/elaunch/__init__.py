"""Experiment instances run by the real ST4SD runtime: st4sd-runtime-core 2.7.0's elaunch.py with
the local backend, in a subprocess, from a virtualenv of its own (tools/st4sd_runtime/install.sh).

- :mod:`.venv` finds that virtualenv;
- :mod:`.describe` loads base packages with the real core at push time;
- :mod:`.instance` starts, watches and stops one run (under ``inside/supervisor.py``);
- :mod:`.sidecar` turns what elaunch writes into the runtime service's answers, as the
  st4sd-runtime-k8s-monitoring sidecar and st4sd-runtime-service do;
- ``inside/`` holds the scripts that run in the runtime virtualenv.
"""
from simulator.st4sd.elaunch.venv import RuntimeVenv, find_runtime

__all__ = ["RuntimeVenv", "find_runtime"]
