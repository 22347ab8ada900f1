"""Run every benchmark in turn: ``python -m bench``."""

import runpy
import sys

BENCHMARKS = ["bench.renditions", "bench.upload", "bench.scale"]

if __name__ == "__main__":
    for name in sys.argv[1:] or BENCHMARKS:
        print(f"== {name}", flush=True)
        runpy.run_module(name, run_name="__main__")
