#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""meson test 'bench': run bump-bench --quick and check its JSON (no timing asserted).

    run_bench_quick.py BUMP_BENCH BENCH_REPORT_PY

Exits with bench_report.py --check's status: 0 when every workload produced
bump's result and its peers' without error, 77 (skipped) when only DPDK's EAL
could not start on this machine, 1 otherwise.
"""

import json
import os
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    bench, report = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bench.json")
        res = subprocess.run([bench, "--quick", "--benchmark_out=" + out,
                              "--benchmark_out_format=json"], timeout=110)
        if res.returncode != 0:
            print("bump-bench exited with %d" % res.returncode, file=sys.stderr)
            return 1
        if not os.path.exists(out):
            print("bump-bench wrote no %s" % out, file=sys.stderr)
            return 1
        with open(out) as f:
            count = len(json.load(f).get("benchmarks", []))
        print("bump-bench --quick: %d benchmarks in the JSON" % count)
        return subprocess.run([sys.executable, report, "--check", out]).returncode


if __name__ == "__main__":
    sys.exit(main())
