#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""meson test 'bench': run bump-bench --quick and check its JSON (no timing asserted).

    run_bench_quick.py BUMP_BENCH BENCH_REPORT_PY

Exits with bench_report.py --check's status: 0 when every workload produced
bump's result and its peers' without error, 77 (skipped) when only DPDK's EAL
could not start on this machine, 1 otherwise; 1 too when EAL's runtime
directory was not bump-bench-<pid> while it ran, or is still there after.
"""

import json
import os
import subprocess
import sys
import tempfile
import time


def eal_rundir():
    """Where EAL makes its runtime directories (eal_create_runtime_dir)."""
    if os.geteuid() == 0:
        return "/var/run/dpdk"
    return os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    bench, report = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bench.json")
        proc = subprocess.Popen([bench, "--quick", "--benchmark_out=" + out,
                                 "--benchmark_out_format=json"])
        rundir = os.path.join(eal_rundir(), "bump-bench-%d" % proc.pid)
        seen = False
        deadline = time.monotonic() + 110
        while proc.poll() is None:
            seen = seen or os.path.isdir(rundir)
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                print("bump-bench ran past 110 s", file=sys.stderr)
                return 1
            time.sleep(0.02)
        if proc.returncode != 0:
            print("bump-bench exited with %d" % proc.returncode, file=sys.stderr)
            return 1
        if os.path.exists(rundir):
            print("bump-bench left EAL's runtime directory %s behind: %s" %
                  (rundir, sorted(os.listdir(rundir))), file=sys.stderr)
            return 1
        if not os.path.exists(out):
            print("bump-bench wrote no %s" % out, file=sys.stderr)
            return 1
        with open(out) as f:
            count = len(json.load(f).get("benchmarks", []))
        print("bump-bench --quick: %d benchmarks in the JSON" % count)
        status = subprocess.run([sys.executable, report, "--check", out]).returncode
        if status == 0 and not seen:
            print("EAL ran, but its runtime directory was never %s" % rundir, file=sys.stderr)
            return 1
        if status == 0:
            print("ok: EAL's runtime directory %s while it ran, gone after" % rundir)
        return status


if __name__ == "__main__":
    sys.exit(main())
