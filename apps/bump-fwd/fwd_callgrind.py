#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Split a callgrind profile of bump-fwd's poll loop into who-pays-what, per packet.

Usage: fwd_callgrind.py CALLGRIND_OUT BUMP_FWD_OUTPUT [--top N]

CALLGRIND_OUT is the lcore thread's file of a run with
  valgrind --tool=callgrind [--cache-sim=yes] --separate-threads=yes \
           --toggle-collect=fwd_lcore_loop bump-fwd ...
and BUMP_FWD_OUTPUT what that bump-fwd printed (the summary's "lcore 0 ...
packets N" gives the packet count).  bump-fwd must be built with -g so that
code inlined from bump.h is charged to bump.h lines (meson -Ddebug=true).

Costs are charged by where the instructions come from, inlined code included:
  device   the simulated NIC's hardware side (sim_device.c, bump_frame.c and
           what they call): on a real NIC this is silicon, not CPU
  bump     lib/bump, lib/ring, lib/dma (alloc, refill, recycle, lookups), split by
           what the code was doing
  handle   lib/port/bump_pkt.h: packet handle -> buffer (arena table lookup)
  driver   drivers/net/sim/sim_rxtx.c: the poll-mode driver's rings
  app      apps/bump-fwd and the burst dispatch of lib/port/bump_port.h
Calls into libc and ld.so are charged to their caller's category.
With --cache-sim=yes, "CEst" is KCachegrind's cycle estimate:
  Ir + 10 * (I1mr + D1mr + D1mw) + 100 * (ILmr + DLmr + DLmw).
"""
import argparse
import collections
import re
import sys

DEVICE_FILES = ("drivers/net/sim/sim_device.c", "drivers/common/frame/bump_frame.c")
BUMP_DIRS = ("lib/bump/", "lib/ring/", "lib/dma/")
EXTERNAL_OBJS = ("libc.so", "ld-linux", "libnuma", "libpthread")

# What bump's code was doing, by the function it runs in (its own or the one
# its inline fast path was inlined into).
BUMP_ROLE = [
    (re.compile(r"sim_rx_refill|bump_pool_alloc|bulk_take"), "alloc (cache pop, bulk)"),
    (re.compile(r"refill|arena|ring_dequeue|alloc_slow|frag"), "refill (ring, arena)"),
    (re.compile(r"put|give|recycle|buf_pool|by_id|ring_claim|ring_publish|unref|tx_clean|stash"),
     "recycle (put)"),
    (re.compile(r"sim_rx_burst|sim_tx_burst|dma_addr|pool_ref"), "lookups (ref, DMA address)"),
]


class Profile:
    def __init__(self):
        self.events = []
        self.self_cost = collections.defaultdict(lambda: None)  # (file, fn, obj) -> list
        self.fn_file = {}  # fn -> file it is defined in
        self.external_calls = []  # (caller file, caller fn, caller obj, cost list)


def parse(path):
    prof = Profile()
    names = {"fl": {}, "fn": {}, "ob": {}}

    def name(kind, value):
        m = re.match(r"\((\d+)\)(?: (.*))?$", value)
        if not m:
            return value
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), value)

    ob = fl = fi = fn = cob = cfn = None
    pending_call = False
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            if line.startswith("events:"):
                prof.events = line.split()[1:]
                continue
            key, sep, value = line.partition("=")
            if sep and key in ("ob", "fl", "fi", "fe", "fn", "cob", "cfi", "cfl", "cfn", "calls"):
                if key == "ob":
                    ob = name("ob", value)
                elif key == "fl":
                    fl = fi = name("fl", value)
                elif key in ("fi", "fe"):
                    fi = name("fl", value)
                elif key == "fn":
                    fn = name("fn", value)
                    fi = fl
                    prof.fn_file.setdefault(fn, fl)
                    cob = None
                elif key == "cob":
                    cob = name("ob", value)
                elif key in ("cfi", "cfl"):
                    name("fl", value)
                elif key == "cfn":
                    cfn = name("fn", value)
                elif key == "calls":
                    pending_call = True
                continue
            if not line[0] in "+-*0123456789":
                continue  # summary:, totals:, desc: ...
            parts = line.split()
            costs = [int(x) for x in parts[1:]]
            costs += [0] * (len(prof.events) - len(costs))
            if pending_call:
                # The inclusive cost of a call: charge calls into libc/ld.so to the
                # caller; calls between our own functions are counted as self costs.
                callee_obj = cob if cob is not None else ob
                if callee_obj and any(x in callee_obj for x in EXTERNAL_OBJS) and \
                        not (ob and any(x in ob for x in EXTERNAL_OBJS)):
                    prof.external_calls.append((fi, fn, ob, costs))
                pending_call = False
                cob = None
                continue
            if ob and any(x in ob for x in EXTERNAL_OBJS):
                continue  # charged to the caller through the call cost above
            key3 = (fi, fn, ob)
            acc = prof.self_cost[key3]
            prof.self_cost[key3] = costs if acc is None else [a + b for a, b in zip(acc, costs)]
    return prof


def category(prof, file, fn):
    fn_home = prof.fn_file.get(fn, "")
    if any(fn_home.endswith(d) for d in DEVICE_FILES) or any(file.endswith(d) for d in DEVICE_FILES):
        return "device", None
    if any(d in file for d in BUMP_DIRS):
        for rx, role in BUMP_ROLE:
            if rx.search(fn):
                return "bump", role
        return "bump", "other"
    if "lib/port/bump_pkt.h" in file:
        return "handle", None
    if "drivers/net/sim/" in file:
        return "driver", None
    if "apps/bump-fwd/" in file or "lib/port/" in file:
        return "app", None
    return "other", None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("profile")
    ap.add_argument("output")
    ap.add_argument("--top", type=int, default=12)
    a = ap.parse_args()

    with open(a.output) as f:
        m = re.search(r"lcore 0 \(CPU \d+\) busy .* packets (\d+)", f.read())
    if not m:
        sys.exit(f"{a.output}: no 'lcore 0 ... packets N' summary line: pass bump-fwd's output")
    packets = int(m.group(1))
    prof = parse(a.profile)
    ev = prof.events
    idx = {e: i for i, e in enumerate(ev)}

    def cest(c):
        if "I1mr" not in idx:
            return c[idx["Ir"]]
        l1 = sum(c[idx[e]] for e in ("I1mr", "D1mr", "D1mw"))
        ll = sum(c[idx[e]] for e in ("ILmr", "DLmr", "DLmw"))
        return c[idx["Ir"]] + 10 * l1 + 100 * ll

    cats = collections.defaultdict(lambda: [0, 0])
    roles = collections.defaultdict(lambda: [0, 0])
    rows = collections.defaultdict(lambda: [0, 0])

    def add(file, fn, costs):
        cat, role = category(prof, file or "", fn or "")
        ir, ce = costs[idx["Ir"]], cest(costs)
        for d, k in ((cats, cat), (rows, (cat, file, fn))):
            d[k][0] += ir
            d[k][1] += ce
        if role:
            roles[role][0] += ir
            roles[role][1] += ce

    for (file, fn, _ob), costs in prof.self_cost.items():
        add(file, fn, costs)
    for file, fn, _ob, costs in prof.external_calls:
        add(file, fn, costs)

    total = [sum(v[0] for v in cats.values()), sum(v[1] for v in cats.values())]
    fwd = [total[i] - cats["device"][i] for i in range(2)]
    bump = [cats["bump"][i] + cats["handle"][i] for i in range(2)]
    has_cache = "I1mr" in idx

    def line(label, v, base):
        ce = f"{v[1] / packets:8.1f}" if has_cache else "       -"
        share = 100.0 * v[0] / base[0] if base[0] else 0
        print(f"| {label:<34} | {v[0] / packets:8.1f} | {ce} | {share:5.1f}% |")

    print(f"{packets} packets; per packet (Ir = instructions, CEst = estimated cycles):\n")
    print(f"| {'part of the poll loop':<34} | {'Ir/pkt':>8} | {'CEst/pkt':>8} | {'share':>6} |")
    print(f"|{'-' * 36}|{'-' * 10}|{'-' * 10}|{'-' * 8}|")
    line("whole loop, device side included", total, total)
    line("device side (simulated NIC)", cats["device"], total)
    line("forwarder = loop - device (100%)", fwd, fwd)
    line("  app (bump-fwd, burst dispatch)", cats["app"], fwd)
    line("  driver (sim_rxtx.c)", cats["driver"], fwd)
    line("  bump total", bump, fwd)
    for role in sorted(roles, key=lambda r: -roles[r][0]):
        if roles[role][0] / packets >= 0.05:
            line(f"    {role}", roles[role], fwd)
    line("    packet handle (bump_pkt.h)", cats["handle"], fwd)
    if cats["other"][0] / packets >= 0.05:
        line("  other", cats["other"], fwd)
    if a.top:
        print(f"\nTop {a.top} (category, source file: function), Ir per packet:")
    for (cat, file, fn), v in sorted(rows.items(), key=lambda kv: -kv[1][0])[:a.top]:
        short = re.sub(r"^.*?/(lib|drivers|apps)/", r"\1/", file or "?")
        print(f"  {v[0] / packets:7.1f}  {cat:<7} {short}: {fn}")


if __name__ == "__main__":
    main()
