#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench-trace-wakeups.py [TRACE] : where a traced bench-vm run's round trips
waited (Documentation/benchmarks.rst, "Cross-CPU stalls").

TRACE (default build/bench/trace.txt) comes from
  make bench-vm BENCH_MODE=timed VM_BENCH_TRACE=sched:sched_waking,\
sched:sched_switch,irq_vectors:local_timer_entry,...
Each flipcall-bench row forks a server for the one client process, so the
rows are told apart by the server's pid; they are numbered in the order of
flipcall-bench's table. For every wake-up of one bench
process by the other it measures
  wakee runs   sched_waking -> the wakee switched in (the IPI and idle exit)
  waker sleeps sched_waking -> the waker itself switches out to sleep (the
               rest of its hand-off, up to its own wait)
and prints the median, the 90th percentile, the maximum and the count over
1 ms, with the timer ticks the row took (a vCPU the host did not run for
longer than a tick takes the overdue tick as soon as it runs again).
"""
import re
import sys

LINE = re.compile(r'\s*(.+?)-(\d+)\s+\[(\d+)\]\s+\S+\s+([\d.]+): (\w+): (.*)')
BENCH = 'flipcall-bench'


def read_events(path):
    events = []
    with open(path) as f:
        for line in f:
            m = LINE.match(line)
            if m:
                events.append((float(m.group(4)), int(m.group(2)),
                               m.group(5), m.group(6)))
    return events


def woken_pid(args):
    return int(re.search(r'\bpid=(\d+)', args).group(1))


def summary(values):
    if not values:
        return '-'
    v = sorted(values)
    return 'n=%d median=%.0fus p90=%.0fus max=%.1fms over-1ms=%d' % (
        len(v), v[len(v) // 2] * 1e6, v[int(len(v) * 0.9)] * 1e6,
        v[-1] * 1e3, sum(1 for x in v if x > 1e-3))


def row(events, pair):
    wakee_runs, waker_sleeps = [], []
    pending, woke = {}, {}
    ticks = 0
    for t, pid, name, args in events:
        if name == 'local_timer_entry':
            ticks += 1
        elif name == 'sched_waking' and pid in pair:
            target = woken_pid(args)
            if target in pair:
                pending[target] = t
                woke[pid] = t
        elif name == 'sched_switch':
            m = re.search(r'prev_pid=(\d+) .*prev_state=(\S+) ==> .*next_pid=(\d+)',
                          args)
            prev, state, nxt = int(m.group(1)), m.group(2), int(m.group(3))
            if nxt in pending:
                wakee_runs.append(t - pending.pop(nxt))
            if prev in woke and state == 'S':
                waker_sleeps.append(t - woke.pop(prev))
    return wakee_runs, waker_sleeps, ticks


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else 'build/bench/trace.txt'
    events = read_events(path)
    # The client wakes every server; a server wakes only its client.
    wakes = [(pid, woken_pid(args)) for t, pid, name, args in events
             if name == 'sched_waking' and BENCH in args]
    bench_pids = {p for pair in wakes for p in pair}
    servers = sorted({w for p, w in wakes if p in bench_pids and w != p})
    counts = {}
    for p, w in wakes:
        counts[p] = counts.get(p, 0) + 1
    if not counts:
        print('no bench wake-ups in %s' % path)
        return 1
    client = max(counts, key=counts.get)
    servers = [s for s in servers if s != client]
    for n, server in enumerate(servers, 1):
        span = [e[0] for e in events if e[1] == server]
        rows = [e for e in events if span[0] <= e[0] <= span[-1]]
        wakee_runs, waker_sleeps, ticks = row(rows, {client, server})
        print('row %d (server pid %d): %.3f s, %d timer ticks' %
              (n, server, span[-1] - span[0], ticks))
        print('  wakee runs   ' + summary(wakee_runs))
        print('  waker sleeps ' + summary(waker_sleeps))
    return 0


if __name__ == '__main__':
    sys.exit(main())
