#!/usr/bin/env python3
"""WAL frames per table/index from an `strace -f -y -s 8 -x` log of hofbote serve and the database afterwards
(issue 15's profile; see benches/profile/strace-keep for getting both out of `cargo bench --bench disk`).
Usage: benches/profile/wal-profile.py STRACE_LOG DATABASE [MESSAGES]
Each WAL frame is written as a 24-byte header (page number, then db size in pages for a commit frame) and a page.
Page numbers are mapped to tables/indexes with dbstat on the final database. Frames are grouped into transactions
(per thread, ending at a commit frame); a transaction is labelled by the set of tables it touched."""
import re, sys, sqlite3, collections
log, db = sys.argv[1], sys.argv[2]
n_msgs = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
conn = sqlite3.connect(db)
page_owner = {p: n for n, p in conn.execute("SELECT name, pageno FROM dbstat")}
def owner(p):
    return page_owner.get(p, "(free/reused)") if p != 1 else "(header page 1)"
def unesc(s):
    out = bytearray(); i = 0
    while i < len(s):
        if s[i] == '\\':
            c = s[i+1]
            if c == 'x': out.append(int(s[i+2:i+4], 16)); i += 4; continue
            m = {'n': 10, 't': 9, 'r': 13, 'v': 11, 'f': 12, '\\': 92, '"': 34, '0': 0}
            out.append(m.get(c, ord(c))); i += 2; continue
        out.append(ord(s[i])); i += 1
    return bytes(out)
rx = re.compile(r'^(\d+) +pwrite64\(\d+<([^>]*)>, "((?:[^"\\]|\\.)*)"(?:\.\.\.)?, (\d+), (\d+)')
frames = collections.Counter(); dbw = collections.Counter(); distinct = set()
cur = collections.defaultdict(list); tx_kinds = collections.Counter(); tx_frames = collections.Counter()
tx_tables = collections.defaultdict(collections.Counter)
for line in open(log):
    m = rx.match(line)
    if not m: continue
    tid, path, buf, ln, off = m.group(1), m.group(2), unesc(m.group(3)), int(m.group(4)), int(m.group(5))
    if path.endswith('-wal') and ln == 24:
        page = int.from_bytes(buf[0:4], 'big'); commit = int.from_bytes(buf[4:8], 'big')
        frames[owner(page)] += 1
        distinct.add(page)
        cur[tid].append(owner(page))
        if commit:
            t = cur.pop(tid); names = set(t)
            if 'webhook_events' in names and 'outbox' not in names: kind = 'store' 
            elif 'billed' in names or 'applied_effects' in names: kind = 'apply'
            elif 'outbox' in names: kind = 'claim/result'
            else: kind = 'other:' + ','.join(sorted(names))
            tx_kinds[kind] += 1; tx_frames[kind] += len(t)
            for n in t: tx_tables[kind][n] += 1
    elif path.endswith('.sqlite') and ln == 4096:
        dbw[owner(off // 4096 + 1)] += 1
total = sum(frames.values())
print(f"WAL frames: {total} ({total*4120/1024/n_msgs:.1f} KiB/msg); checkpoint page writes: {sum(dbw.values())}; "
      f"distinct pages in the WAL: {len(distinct)} (what checkpoints copy at least, {len(distinct)*4/n_msgs:.1f} KiB/msg)")
print(f"{'table/index':38} {'WAL frames':>10} {'/msg':>6} {'ckpt pages':>10}")
for n, c in frames.most_common():
    print(f"{n:38} {c:10} {c/n_msgs:6.2f} {dbw.get(n,0):10}")
print("\ntransactions by kind (heuristic by tables touched): commits, frames, frames/commit")
for k, c in tx_kinds.most_common():
    print(f"  {k:30} {c:6} {tx_frames[k]:7} {tx_frames[k]/c:7.1f}")
    for n, f in tx_tables[k].most_common(12):
        print(f"      {n:34} {f:6} ({f/c:.1f}/commit)")
