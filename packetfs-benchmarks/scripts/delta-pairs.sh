#!/usr/bin/env bash
# Makes the real version pairs that PoolDeltaReport is run on, in DIR (default ./delta-pairs):
#   typescript 5.4.4 -> 5.4.5 (patch) and 5.3.3 -> 5.4.2 (minor): the npm tarballs, unpacked to plain tar
#   @esbuild/linux-x64 0.20.1 -> 0.20.2: the Go binary out of each tarball
#   db-old.sqlite -> db-new.sqlite: a 48 MB SQLite database (420,000 rows, seeded) before and after a workload run
#   by SQLite itself (1 % of the rows updated, 0.5 % inserted, 0.5 % deleted)
# Needs npm, gzip, tar and python3 (its sqlite3 module). Then:
#   java -cp packetfs-benchmarks/target/packetfs-benchmarks-jmh.jar io.packetfs.benchmarks.PoolDeltaReport \
#       DIR/typescript-5.4.4.tar DIR/typescript-5.4.5.tar DIR/typescript-5.3.3.tar DIR/typescript-5.4.2.tar \
#       DIR/esbuild-0.20.1 DIR/esbuild-0.20.2 DIR/db-old.sqlite DIR/db-new.sqlite
set -euo pipefail
dir="${1:-delta-pairs}"
mkdir -p "$dir"
cd "$dir"
for p in typescript@5.4.4 typescript@5.4.5 typescript@5.3.3 typescript@5.4.2; do
    npm pack "$p" --silent > /dev/null
done
for v in 0.20.1 0.20.2; do
    npm pack "@esbuild/linux-x64@$v" --silent > /dev/null
    tar xzf "esbuild-linux-x64-$v.tgz" package/bin/esbuild -O > "esbuild-$v"
done
for v in 5.4.4 5.4.5 5.3.3 5.4.2; do
    gzip -dc "typescript-$v.tgz" > "typescript-$v.tar"
done
python3 - <<'PY'
import os, random, shutil, sqlite3
random.seed(7)
old, new = 'db-old.sqlite', 'db-new.sqlite'
for f in (old, new):
    if os.path.exists(f):
        os.remove(f)
words = [''.join(random.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(random.randint(3, 9))) for _ in range(5000)]
def note():
    return ' '.join(random.choice(words) for _ in range(random.randint(2, 12)))
def row(i, text=None):
    r = (i, random.choice(words) + ' ' + random.choice(words), random.choice(words), random.randint(1, 50),
         round(random.random() * 500, 2))
    return r + (note() if text is None else text,)
n = 420000
c = sqlite3.connect(old)
c.execute("create table orders(id integer primary key, customer text, item text, qty integer, price real, note text)")
c.execute("create index by_customer on orders(customer)")
c.executemany("insert into orders values(?,?,?,?,?,?)", [row(i) for i in range(n)])
c.commit()
c.close()
shutil.copy(old, new)
c = sqlite3.connect(new)
for _ in range(n // 100):
    c.execute("update orders set qty=?, note=? where id=?", (random.randint(1, 50), note(), random.randrange(n)))
for i in range(n, n + n // 200):
    c.execute("insert into orders values(?,?,?,?,?,?)", row(i, 'new'))
for _ in range(n // 200):
    c.execute("delete from orders where id=?", (random.randrange(n),))
c.commit()
c.close()
PY
ls -l
