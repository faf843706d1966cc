#!/usr/bin/env python3
"""The ledger entry's share of a write, in instructions, from callgrind dumps (bench/ledger.sh).

Each measurement is two callgrind runs of the same program with a different number of writes,
one dump per thread (--separate-threads=yes); per-write figures are the difference divided by
the difference in writes, so setup and start-up cancel out.

  ledger_share.py OP N1 DUMPS1... -- N2 DUMPS2...
  ledger_share.py --synthetic W1 DUMPS... -- W2 DUMPS... -- W1 DUMPS... -- W2 DUMPS...
      (the realistic write without its entry, twice; then with it, twice)

OP: the writer thread is the dump in which the services' record() runs (the record's canonical
content loaded, then Ledger::record -> append). Prints per write: the writer's instructions,
record()'s inclusive instructions, SHA-256's, all threads', and entry_share_OP= (record() plus the
commit's extra pages, COMMIT_EXTRA from --synthetic, over the writer's instructions; valgrind has
no SHA-NI and counts SHA-256 above what the CPU spends, so it is an upper bound), and the same
with the checkpointer's later work over the entry (one run at the end, on the same writer).
"""
import os
import re
import subprocess
import sys

RECORD = ("sl::deliberation::detail::record(", "sl::orgs::OrgsService::record(")
APPEND = ("sl::ledger::Ledger::append(",)
SHA = ("sl::sha256_into(",)
CHECKPOINT = ("sl::ledger::Ledger::checkpoint_now()",)


def annotate(path):
    """(total Ir, [(inclusive Ir, function line)]) of one dump."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    total, rows = 0, []
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)$", line)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        if "PROGRAM TOTALS" in m.group(2):
            total = ir
        elif total:
            rows.append((ir, m.group(2)))
    return total, rows


def find(rows, names):
    """Inclusive Ir of each named function (callgrind_annotate may list one twice), summed."""
    return sum(max([ir for ir, name in rows if n in name] or [0]) for n in names)


def measure(dumps, key):
    """(writer total, {name: inclusive}, all-threads total); writer = the dump maximising key."""
    per = [annotate(d) for d in dumps]
    writer = max(per, key=key)
    return writer, sum(t for t, _ in per)


def split(args):
    groups, cur = [], []
    for a in args:
        if a == "--":
            groups.append(cur)
            cur = []
        else:
            cur.append(a)
    groups.append(cur)
    return [(int(g[0]), g[1:]) for g in groups]


def per_write(g1, g2, key, names_list):
    (n1, d1), (n2, d2) = g1, g2
    (w1, r1), a1 = measure(d1, key)
    (w2, r2), a2 = measure(d2, key)
    n = float(n2 - n1)
    return (w2 - w1) / n, (a2 - a1) / n, [(find(r2, names) - find(r1, names)) / n for names in names_list]


def op_mode(op, groups):
    w, a, (rec, app, sha, cp) = per_write(groups[0], groups[1], lambda p: find(p[1], RECORD),
                                          [RECORD, APPEND, SHA, CHECKPOINT])
    w -= cp  # the writes alone; the checkpointer's run (once per measurement) is reported apart
    a -= cp
    print(f"{op}: per write ({groups[1][0] - groups[0][0]} writes): writer thread {w:,.0f} Ir, all threads {a:,.0f} Ir; "
          f"services' record() {rec:,.0f} Ir (Ledger::append {app:,.0f}); SHA-256 on the writer {sha:,.0f} Ir "
          f"(with the checkpointer's); "
          f"the checkpointer, later, {cp:,.0f} Ir per entry")
    extra = float(os.environ.get("COMMIT_EXTRA", "0"))
    # valgrind runs SHA-256 without SHA-NI, so it counts it above what the CPU spends: the share as
    # counted is an upper bound.
    raw = (rec + extra) / w
    print(f"entry_share_{op}={100 * raw:.1f}%  (of the writer thread's instructions: record() {rec:,.0f} + commit's extra "
          f"pages {extra:,.0f} of {w:,.0f} Ir; of all threads' {a:,.0f} Ir {100 * (rec + extra) / a:.1f}%)")
    print(f"entry_share_{op}_with_checkpointer={100 * (rec + extra + cp) / (w + cp):.1f}%  (the tree built over the "
          f"entry later on the same writer, {cp:,.0f} Ir per entry, counted too)")


def synthetic(groups):
    key = lambda p: p[0]
    wa, _, _ = per_write(groups[0], groups[1], key, [])
    wb, _, (app, sha) = per_write(groups[2], groups[3], key, [APPEND, SHA])
    extra = max(0.0, wb - wa - app)
    print(f"synthetic realistic write, one client thread: writer {wa:,.0f} -> {wb:,.0f} Ir per write; entry {wb - wa:,.0f} Ir, "
          f"of which Ledger::append {app:,.0f} (SHA-256 {sha:,.0f}) and the rest, the commit's extra pages, {extra:,.0f}")
    print(f"commit_extra_ir={extra:.0f}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[0] == "--synthetic":
        synthetic(split(args[1:]))
    else:
        op_mode(args[0], split(args[1:]))
