#!/usr/bin/env python3
"""The ledger entry's share of a write, in instructions, from callgrind dumps (bench/ledger.sh).

  ledger_share.py OP WRITES DUMP...            (one dump per thread: --separate-threads=yes)
  ledger_share.py --synthetic WRITES_A DUMPS_A... -- WRITES_B DUMPS_B...

OP mode: the writer thread is the dump in which the services' record() runs; prints its
instructions per write, the inclusive instructions of the services' record() (the record's
canonical content loaded, then Ledger::record -> append), of SHA-256 inside it, and the
instructions of all threads per write.
--synthetic: the realistic write without (A) and with (B) its entry at one client thread; prints
the entry's marginal cost and the part of it outside Ledger::append (the commit's extra pages).
"""
import re
import subprocess
import sys

RECORD = ("sl::deliberation::detail::record(", "sl::orgs::OrgsService::record(")
APPEND = "sl::ledger::Ledger::append("
SHA = "sl::sha256_into("


def annotate(path):
    """(total Ir, {function: inclusive Ir}) of one dump."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    total = 0
    incl = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+PROGRAM TOTALS", line)
        if m:
            total = int(m.group(1).replace(",", ""))
            continue
        m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)$", line)
        if m and total:
            name = m.group(2).strip()
            incl[name] = max(incl.get(name, 0), int(m.group(1).replace(",", "")))
    return total, incl


def find(incl, prefixes):
    best = 0
    for name, ir in incl.items():
        if any(p in name for p in prefixes):
            best = max(best, ir)
    return best


def op_mode(op, writes, dumps):
    per = [annotate(d) for d in dumps]
    all_ir = sum(t for t, _ in per)
    writer = max(per, key=lambda p: find(p[1], RECORD))
    w_total, w_incl = writer
    rec = find(w_incl, RECORD)
    app = find(w_incl, (APPEND,))
    # SHA-256 under the ledger: valgrind has no SHA-NI, so it counts ~12k per hash where the CPU
    # spends ~1.5k; the writer may hash nothing else per write (checked: printed separately).
    sha = find(w_incl, (SHA,))
    n = float(writes)
    print(f"{op}: {writes} writes; per write: writer thread {w_total / n:,.0f} Ir, all threads {all_ir / n:,.0f} Ir; "
          f"services' record() {rec / n:,.0f} Ir (Ledger::append {app / n:,.0f}), SHA-256 on the writer {sha / n:,.0f} Ir")
    return w_total / n, all_ir / n, rec / n, sha / n


def synthetic(a_writes, a_dumps, b_writes, b_dumps):
    def writer(dumps):
        per = [annotate(d) for d in dumps]
        return max(per, key=lambda p: p[0])
    a_total, _ = writer(a_dumps)
    b_total, b_incl = writer(b_dumps)
    a = a_total / float(a_writes)
    b = b_total / float(b_writes)
    app = find(b_incl, (APPEND,)) / float(b_writes)
    print(f"synthetic realistic write at one client thread: writer {a:,.0f} -> {b:,.0f} Ir per write; "
          f"entry {b - a:,.0f} Ir, of which Ledger::append {app:,.0f} and the rest (commit's extra pages) {b - a - app:,.0f}")
    print(f"commit_extra_ir={max(0.0, b - a - app):.0f}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--synthetic":
        i = args.index("--")
        synthetic(args[1], args[2:i], args[i + 1], args[i + 2:])
    else:
        op, writes, dumps = args[0], args[1], args[2:]
        w, a, rec, sha = op_mode(op, writes, dumps)
        # The entry's share: record() plus the commit's extra pages (COMMIT_EXTRA, from --synthetic),
        # of the writer thread's instructions; once as valgrind counts, once with SHA-256 at the
        # native cost (SHA_NATIVE: ~0.12 of valgrind's count, SHA-NI; see docs/performance.md).
        import os
        extra = float(os.environ.get("COMMIT_EXTRA", "0"))
        f = float(os.environ.get("SHA_NATIVE", "0.12"))
        raw = (rec + extra) / w
        nat = (rec - sha * (1 - f) + extra) / (w - sha * (1 - f))
        print(f"entry_share_{op}={100 * nat:.1f}%  (instructions of the writer thread, SHA-256 at native cost; "
              f"as valgrind counts {100 * raw:.1f}%; of all threads {100 * (rec + extra) / a:.1f}%)")
