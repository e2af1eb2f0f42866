"""Scripts that run INSIDE the ST4SD runtime virtualenv (tools/st4sd_runtime/install.sh), by path,
with that virtualenv's python: they import st4sd-runtime-core and never the simulator."""
