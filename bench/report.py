"""Prints the results table and the final `bench:` line.

Usage: report.py RESULTS_TSV NOTES_TSV PEAK_RSS_FILE
RESULTS rows: group scenario rps p50_us p99_us errors rss_kib, where group
is sqlite, postgres, sqlite-1m, postgres-1m or moto. NOTES rows: key value
(pgbench_insert_tps, seeding times, sizes per key, ssh login figures, the
load average). PEAK_RSS_FILE: each server's VmHWM (KiB), one a line.

Ratios: `x healthz` is against the same server's healthz (the million-key
groups against their backend's); `x ref` is sshkeyd against moto for the
SQLite creates, the PostgreSQL imports against pgbench's one-row INSERT,
and the million-key reads against the same read with 100,000 keys.
"""

import sys


def load(path):
    rows = [line.split("\t") for line in open(path).read().splitlines() if line]
    return {(r[0], r[1]): dict(rps=float(r[2]), p50=int(r[3]) / 1000, p99=int(r[4]) / 1000,
                               errors=int(r[5]), rss=int(r[6]) / 1024) for r in rows}


def main(results_path, notes_path, peak_path):
    res = load(results_path)
    notes = dict(line.split("\t", 1) for line in open(notes_path).read().splitlines() if "\t" in line)
    peaks = [int(x) for x in open(peak_path).read().split() if x.strip()]

    def rps(group, name):
        return res.get((group, name), {}).get("rps", 0)

    def healthz_of(group):
        return rps(group.removesuffix("-1m"), "healthz")

    def reference(group, name):
        if group == "sqlite":
            return rps("moto", name)
        if group == "postgres" and name.startswith("import"):
            return float(notes.get("pgbench_insert_tps", 0))
        if group.endswith("-1m"):
            return rps(group.removesuffix("-1m"), name)
        return 0

    head = f"{'group':<13}{'scenario':<17}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}" \
           f"{'errors':>8}{'RSS MB':>8}{'x healthz':>11}{'x ref':>8}"
    print(head)
    print("-" * len(head))
    for (group, name), r in res.items():
        healthz = healthz_of(group)
        ratio = f"{r['rps'] / healthz:.2f}" if healthz and group != "moto" else "-"
        ref = reference(group, name)
        vs = f"{r['rps'] / ref:.2f}" if ref and group != "moto" else "-"
        print(f"{group:<13}{name:<17}{r['rps']:>9.0f}{r['p50']:>9.2f}{r['p99']:>9.2f}"
              f"{r['errors']:>8}{r['rss']:>8.0f}{ratio:>11}{vs:>8}")
    print()
    for key, value in notes.items():
        print(f"{key:<32}{value}")

    def p99(group, name):
        return res.get((group, name), {}).get("p99", 0)

    def num(key):
        return notes.get(key, "-")

    fields = [
        ("healthz_rps", round(rps("sqlite", "healthz"))),
        ("import_rps", round(rps("sqlite", "import-ed25519"))),
        ("generate_rps", round(rps("sqlite", "generate"))),
        ("get_rps", round(rps("sqlite", "get"))),
        ("list_rps", round(rps("sqlite", "list"))),
        ("import_p99_ms", f"{p99('sqlite', 'import-ed25519'):.2f}"),
        ("moto_import_rps", round(rps("moto", "import-ed25519"))),
        ("peak_rss_mb", round(max(peaks, default=0) / 1024)),
        ("pg_import_rps", round(rps("postgres", "import-ed25519"))),
        ("pgbench_insert_tps", num("pgbench_insert_tps")),
        ("pg_get_rps", round(rps("postgres", "get"))),
        ("pg_list_rps", round(rps("postgres", "list"))),
        ("million_get_rps", round(rps("sqlite-1m", "get"))),
        ("million_list_rps", round(rps("sqlite-1m", "list"))),
        ("authorized_keys_rps", round(rps("sqlite", "authorized_keys"))),
        ("ssh_login_ratio", num("ssh_login_ratio")),
        # Beyond the required fields: the other figures the targets use.
        ("pg_healthz_rps", round(rps("postgres", "healthz"))),
        ("pg_import_p99_ms", f"{p99('postgres', 'import-ed25519'):.2f}"),
        ("pg_import_100p_rps", round(rps("postgres", "import-100p"))),
        ("pg_million_get_rps", round(rps("postgres-1m", "get"))),
        ("pg_million_list_rps", round(rps("postgres-1m", "list"))),
    ]
    print("bench: " + " ".join(f"{k}={v}" for k, v in fields))


if __name__ == "__main__":
    main(*sys.argv[1:])
