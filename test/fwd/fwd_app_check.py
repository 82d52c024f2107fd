#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run bump-fwd once and check what it reports.

Usage: fwd_app_check.py BUMP_FWD [checks] -- [bump-fwd options]

By default a run must exit 0, forward more than --min-packets packets, end
with every pool destroyed with 0 buffers in flight, and every sim port must
report zero bad-format, checksum and sequence errors, DMA faults and
unmapped TX.  Checks:
  --sink-port P      sim port P must have checked at least one frame (a sink,
                     a generator, or a loopback port with check=1)
  --lossless         a path that loses nothing: every port ends with no drop
                     or error counted, no sim port saw a sequence gap, and
                     each --sink-port checked exactly the frames its port sent
  --expect-leak NAME the run must fail, naming pool NAME as still holding
                     buffers (the --test-leak case)
  --expect-fail RE   the check itself under test: the run must fail a check
                     whose message matches RE (and nothing else)
  --no-alloc P       port P's pools allocate nothing after their RX rings'
                     fill (a sink): its summary says "alloc none", not shares
  --min-packets N    more than N packets (default 0)
  --timeout S        kill bump-fwd after S seconds (default 60)
  --need-cpus N      skip (exit 77) on a machine with fewer CPUs for this process
"""
import argparse
import os
import re
import subprocess
import sys

SUMMARY = re.compile(r"^bump-fwd: (\d+) packets (forwarded|received) in ([\d.]+) s: ([\d.]+) Mpps",
                     re.M)
SIM = re.compile(r"sim port (\d+): sink frames (\d+) bad_format (\d+) bad_csum (\d+) "
                 r"seq_gaps (\d+) seq_errors (\d+) dma_faults (\d+) tx_unmapped (\d+)")
PORT = re.compile(r"^port (\d+) \S+: rx (\d+) .*tx (\d+) .*imissed (\d+) tx-dropped (\d+) "
                  r"rx_nombuf (\d+) ierrors (\d+) oerrors (\d+)", re.M)
# Bytes beside packets: each summary port line, and the run's total.
PORT_BYTES = re.compile(r"^port (\d+) \S+: rx (\d+) \([\d.]+ Mpps, (\d+) bytes, ([\d.]+) Gbps\) "
                        r"tx (\d+) \([\d.]+ Mpps, (\d+) bytes, ([\d.]+) Gbps\)", re.M)
TOTAL_BYTES = re.compile(r"^bump-fwd: \d+ packets .*, (\d+) bytes (?:sent|received) by the ports: "
                         r"([\d.]+) Gbps$", re.M)
CLEAN = "bump-fwd: all pools destroyed with 0 buffers in flight"


EXPECT_FAIL = None


def fail(msg, out, err):
    if EXPECT_FAIL and re.search(EXPECT_FAIL, msg):
        print(f"{out}{err}\nok: failed as expected: {msg}")
        sys.exit(0)
    if EXPECT_FAIL:
        msg = f"expected a failure matching '{EXPECT_FAIL}', got: {msg}"
    print(f"FAIL: {msg}\n--- stdout ---\n{out}\n--- stderr ---\n{err}")
    sys.exit(1)


def check_bytes(secs, no_alloc, out, err):
    """Bytes and Gbps beside packets; "alloc none" for a port that allocates nothing."""
    lines = PORT_BYTES.findall(out)
    if not lines or not TOTAL_BYTES.search(out):
        fail("no bytes and Gbps in the summary", out, err)
    for port, *dirs in lines:
        for pkts, nbytes, gbps in (dirs[0:3], dirs[3:6]):
            pkts, nbytes, gbps = int(pkts), int(nbytes), float(gbps)
            # An Ethernet frame is 14 to 9018 bytes; Gbps is bytes * 8 over the run.
            if not 14 * pkts <= nbytes <= 9018 * pkts:
                fail(f"port {port}: {nbytes} bytes for {pkts} packets", out, err)
            if abs(gbps - nbytes * 8 / secs / 1e9) > 0.002 + gbps * 0.01:
                fail(f"port {port}: {gbps} Gbps for {nbytes} bytes in {secs} s", out, err)
    for port in no_alloc:
        pool = re.search(rf"^      port {port} rx .* \| (alloc [^|]*)\|", out, re.M)
        if not pool or pool.group(1).strip() != "alloc none":
            fail(f"port {port} allocates nothing, but its summary says "
                 f"'{pool.group(1).strip() if pool else '(no pool line)'}'", out, err)


def main():
    argv = sys.argv[1:]
    if "--" in argv:
        cut = argv.index("--")
        ours, theirs = argv[:cut], argv[cut + 1:]
    else:
        ours, theirs = argv, []
    ap = argparse.ArgumentParser()
    ap.add_argument("exe")
    ap.add_argument("--sink-port", type=int, action="append", default=[])
    ap.add_argument("--expect-leak")
    ap.add_argument("--min-packets", type=int, default=0)
    ap.add_argument("--no-alloc", type=int, action="append", default=[])
    ap.add_argument("--lossless", action="store_true")
    ap.add_argument("--expect-fail")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--need-cpus", type=int, default=1)
    a = ap.parse_args(ours)
    global EXPECT_FAIL
    EXPECT_FAIL = a.expect_fail
    if len(os.sched_getaffinity(0)) < a.need_cpus:
        print(f"SKIP: needs {a.need_cpus} CPUs, this process may use "
              f"{len(os.sched_getaffinity(0))}")
        sys.exit(77)

    cmd = [a.exe] + theirs
    print("running:", " ".join(cmd), flush=True)
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout)
    except subprocess.TimeoutExpired as e:
        fail(f"bump-fwd did not stop within {a.timeout} s", e.stdout or "", e.stderr or "")
    out, err = p.stdout, p.stderr

    if a.expect_leak:
        if p.returncode == 0:
            fail("a kept buffer was not detected: exit status 0", out, err)
        if not re.search(rf"pool '{re.escape(a.expect_leak)}' \(id \d+, arena [^)]*\): \d+ "
                         r"buffers .* still in flight", err):
            fail(f"no message naming pool '{a.expect_leak}' as holding buffers", out, err)
        print(out + err)
        print(f"ok: leak in pool '{a.expect_leak}' detected, exit status {p.returncode}")
        return
    if p.returncode != 0:
        fail(f"exit status {p.returncode}", out, err)
    if CLEAN not in out:
        fail("no 'all pools destroyed with 0 buffers in flight' line", out, err)
    m = SUMMARY.search(out)
    if not m:
        fail("no summary line", out, err)
    packets = int(m.group(1))
    if packets <= a.min_packets:
        fail(f"{packets} packets {m.group(2)}; expected more than {a.min_packets}", out, err)
    check_bytes(float(m.group(3)), a.no_alloc, out, err)
    sims = {int(s[0]): [int(x) for x in s[1:]] for s in SIM.findall(out)}
    for port, (frames, bad_format, bad_csum, _gaps, seq_err, dma, unmapped) in sims.items():
        if bad_format or bad_csum or seq_err or dma or unmapped:
            fail(f"sim port {port} saw errors: bad_format {bad_format} bad_csum {bad_csum} "
                 f"seq_errors {seq_err} dma_faults {dma} tx_unmapped {unmapped}", out, err)
    for port in a.sink_port:
        if port not in sims or sims[port][0] == 0:
            fail(f"sim port {port} checked no frames", out, err)
    if a.lossless:
        ports = {int(p[0]): [int(x) for x in p[1:]] for p in PORT.findall(out)}
        if not ports:
            fail("no per-port summary lines", out, err)
        for port, (_rx, tx, *drops) in ports.items():
            if any(drops):
                fail(f"port {port} counted drops or errors on a lossless path: imissed, "
                     f"tx-dropped, rx_nombuf, ierrors, oerrors = {drops}", out, err)
            if port in a.sink_port and sims[port][0] != tx:
                fail(f"sim port {port} checked {sims[port][0]} frames of the {tx} its port "
                     "sent", out, err)
        for port, counts in sims.items():
            if counts[3]:
                fail(f"sim port {port}: {counts[3]} frames missing (seq_gaps) on a lossless "
                     "path", out, err)
    if EXPECT_FAIL:
        fail("every check passed", out, err)
    print(out + err)
    print(f"ok: {packets} packets {m.group(2)}, {m.group(4)} Mpps, 0 in flight")


if __name__ == "__main__":
    main()
