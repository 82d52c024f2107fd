#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bump-stat and bump's telemetry socket against a running bump-fwd (issue 12).

Usage: fwd_telemetry.py BUMP_FWD BUMP_STAT

A bump-fwd (sim generator -> io -> sim sink) runs with its own
BUMP_RUNTIME_DIR.  While it forwards:
  - a raw SOCK_SEQPACKET client, as dpdk-telemetry.py talks, gets the v2
    greeting, the command list, and pool stats whose counters grow;
  - bump-stat --list and --json see the process, its two pools (with region
    and page size) and its two started ports, with counters that grow
    between two samples, and --watch --json --count 2 gives two documents;
  - dpdk-telemetry.py itself, where installed, reads a pool through
    RUNTIME_DIRECTORY.
After it: the socket directory is gone, bump-stat says no process is found,
--json printed the summary, and a run with BUMP_TELEMETRY=0 has no socket.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def fail(msg):
    print(f'FAIL: {msg}')
    sys.exit(1)


def ask(sock, cmd):
    sock.send(cmd.encode())
    reply = json.loads(sock.recv(1 << 20).decode())
    if list(reply) != [cmd.split(',')[0]]:
        fail(f'{cmd}: the reply is not {{"{cmd}": ...}}: {reply}')
    return reply[cmd.split(',')[0]]


def wait_socket(rundir, proc):
    for _ in range(100):
        d = os.path.join(rundir, 'dpdk', str(proc.pid), 'dpdk_telemetry.v2')
        if os.path.exists(d):
            return d
        if proc.poll() is not None:
            fail(f'bump-fwd exited with {proc.returncode} before its socket appeared: '
                 f'{proc.stdout.read()}')
        time.sleep(0.1)
    fail(f'no socket {d} after 10 s')


def stat(bump_stat, env, *args):
    p = subprocess.run([bump_stat, *args], env=env, capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def main():
    bump_fwd, bump_stat = sys.argv[1], sys.argv[2]
    rundir = tempfile.mkdtemp(prefix='bump-tel-')
    env = dict(os.environ, BUMP_RUNTIME_DIR=rundir)
    try:
        run(bump_fwd, bump_stat, rundir, env)
    finally:
        shutil.rmtree(rundir, ignore_errors=True)
    print('PASS: bump-stat and the telemetry socket see a running bump-fwd')


def run(bump_fwd, bump_stat, rundir, env):
    rc, out, err = stat(bump_stat, env)
    if rc != 1 or 'no bump process found' not in err or 'BUMP_TELEMETRY=0' not in err:
        fail(f'bump-stat with no process: exit {rc}, stderr {err!r}')

    fwd = subprocess.Popen([bump_fwd, '--duration', '6', '--stats-period', '0', '--no-huge',
                            '--json'], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    path = wait_socket(rundir, fwd)
    time.sleep(0.5)

    # The protocol, byte for byte as DPDK's client expects it.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    hello = json.loads(s.recv(1024).decode())
    if hello.get('pid') != fwd.pid or hello.get('max_output_len', 0) < 16384 or 'version' not in hello:
        fail(f'greeting {hello}')
    cmds = ask(s, '/')
    for c in ['/info', '/help', '/bump/page_pool/list', '/bump/page_pool/stats_get',
              '/bump/port/stats', '/bump/mem/regions']:
        if c not in cmds:
            fail(f'{c} missing from / : {cmds}')
    ids = ask(s, '/bump/page_pool/list')
    if len(ids) != 2:
        fail(f'bump-fwd has two pools (one per port), the list says {ids}')
    first = ask(s, f'/bump/page_pool/stats_get,{ids[0]}')
    time.sleep(0.5)
    second = ask(s, f'/bump/page_pool/stats_get,{ids[0]}')
    if not second['alloc_fast'] > first['alloc_fast'] > 0:
        fail(f'the generator pool\'s alloc_fast does not grow: {first} then {second}')
    if ask(s, '/bump/page_pool/stats_get,99999') is not None:
        fail('an unknown pool id must answer null')
    if ask(s, '/nope') is not None:
        fail('an unknown command must answer null')
    s.close()

    rc, out, err = stat(bump_stat, env, '--list')
    if rc != 0 or str(fwd.pid) not in out or 'bump-fwd' not in out:
        fail(f'bump-stat --list: exit {rc}: {out} {err}')
    samples = []
    for _ in range(2):
        rc, out, err = stat(bump_stat, env, '--json', '--pid', str(fwd.pid))
        if rc != 0:
            fail(f'bump-stat --json: exit {rc}: {err}')
        samples.append(json.loads(out))
        time.sleep(0.5)
    procs = samples[0]['processes']
    if len(procs) != 1 or procs[0]['pid'] != fwd.pid:
        fail(f'bump-stat --json lists {procs}')
    p0, p1 = procs[0], samples[1]['processes'][0]
    if p0['info']['pools'] != 2 or p0['info']['ports'] != 2:
        fail(f'info {p0["info"]}')
    for pid, pool in p0['pools'].items():
        if pool['region']['page_size'] != 4096 or pool['buf_size'] <= 0 or pool['detach_time_ns']:
            fail(f'pool {pid}: {pool}')
    gen = min(p0['pool_stats'], key=int)
    a, b = p0['pool_stats'][gen], p1['pool_stats'][gen]
    if not (b['alloc_fast'] > a['alloc_fast'] and b['recycle_cached'] > a['recycle_cached']):
        fail(f'pool {gen} counters do not grow between two bump-stat samples: {a} then {b}')
    for port in ('0', '1'):
        if not p0['ports'][port]['started'] or not p0['port_stats'][port]['started']:
            fail(f'port {port} not shown started: {p0["ports"][port]}')
    rx0, rx1 = (x['port_stats']['0']['total']['ipackets'] for x in (p0, p1))
    if not rx1 > rx0 > 0:
        fail(f'port 0 ipackets do not grow: {rx0} then {rx1}')

    rc, out, err = stat(bump_stat, env, '--watch', '--json', '--count', '2', '--interval', '0.2')
    docs = [json.loads(line) for line in out.splitlines()]
    if rc != 0 or len(docs) != 2:
        fail(f'bump-stat --watch --count 2: exit {rc}, {len(docs)} documents: {err}')
    rc, out, err = stat(bump_stat, env)
    if rc != 0 or 'port0-rxq0' not in out or 'sim:mode=sink' not in out:
        fail(f'bump-stat tables: exit {rc}: {out} {err}')

    tel = shutil.which('dpdk-telemetry.py')
    if tel:
        p = subprocess.run([tel, '-f', str(fwd.pid)], input=f'/bump/page_pool/get,{ids[0]}\n',
                           env=dict(env, RUNTIME_DIRECTORY=rundir), capture_output=True,
                           text=True, timeout=30)
        got = json.loads(p.stdout.splitlines()[-1])
        if got['/bump/page_pool/get']['id'] != ids[0]:
            fail(f'dpdk-telemetry.py read {p.stdout} {p.stderr}')
        print('ok: dpdk-telemetry.py reads the pool too')
    else:
        print('note: dpdk-telemetry.py is not installed: that client not tried')

    out, _ = fwd.communicate(timeout=60)
    if fwd.returncode != 0:
        fail(f'bump-fwd exited with {fwd.returncode}: {out}')
    summary = [json.loads(line) for line in out.splitlines() if line.startswith('{"bump_fwd_summary"')]
    if len(summary) != 1 or summary[0]['bump_fwd_summary']['packets'] <= 0:
        fail(f'bump-fwd --json printed no summary with packets: {out}')
    if os.path.exists(os.path.dirname(path)):
        fail(f'{os.path.dirname(path)} is left after bump-fwd exited')
    rc, out, err = stat(bump_stat, env)
    if rc != 1:
        fail(f'bump-stat after the run: exit {rc}')

    # The opt-out: no socket at all.
    fwd = subprocess.Popen([bump_fwd, '--duration', '1.5', '--stats-period', '0', '--no-huge'],
                           env=dict(env, BUMP_TELEMETRY='0'), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    time.sleep(1)
    if os.path.exists(os.path.join(rundir, 'dpdk', str(fwd.pid))):
        fail('BUMP_TELEMETRY=0: a socket directory was created')
    rc, out, err = stat(bump_stat, env, '--pid', str(fwd.pid))
    if rc != 1 or 'BUMP_TELEMETRY=0' not in err:
        fail(f'bump-stat --pid of a process without telemetry: exit {rc} {err!r}')
    out, _ = fwd.communicate(timeout=60)
    if fwd.returncode != 0:
        fail(f'bump-fwd with BUMP_TELEMETRY=0 exited with {fwd.returncode}: {out}')


if __name__ == '__main__':
    main()
