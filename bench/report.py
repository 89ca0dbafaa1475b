"""Prints the results table and the final `bench:` line.

Usage: report.py RESULTS_TSV PEAK_RSS_KIB
Each TSV row: scenario target rps p50_us p99_us errors rss_kib
(target is sshkeyd or moto; moto rows use the same scenario names).
"""

import sys


def main(path, peak_kib):
    rows = [line.split("\t") for line in open(path).read().splitlines() if line]
    res = {(r[1], r[0]): dict(rps=float(r[2]), p50=int(r[3]) / 1000, p99=int(r[4]) / 1000,
                              errors=int(r[5]), rss=int(r[6]) / 1024) for r in rows}
    healthz = res.get(("sshkeyd", "healthz"), {}).get("rps") or 0

    head = f"{'scenario':<18}{'server':<9}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}" \
           f"{'errors':>8}{'RSS MB':>8}{'x healthz':>11}{'x moto':>9}"
    print(head)
    print("-" * len(head))
    for (target, name), r in res.items():
        ratio = f"{r['rps'] / healthz:.2f}" if healthz and target == "sshkeyd" else "-"
        moto = res.get(("moto", name))
        vs_moto = f"{r['rps'] / moto['rps']:.0f}" if moto and target == "sshkeyd" and moto["rps"] else "-"
        print(f"{name:<18}{target:<9}{r['rps']:>10.0f}{r['p50']:>9.2f}{r['p99']:>9.2f}"
              f"{r['errors']:>8}{r['rss']:>8.0f}{ratio:>11}{vs_moto:>9}")

    def rps(target, name):
        return round(res.get((target, name), {}).get("rps", 0))

    p99 = res.get(("sshkeyd", "import-ed25519"), {}).get("p99", 0)
    print(f"bench: healthz_rps={rps('sshkeyd', 'healthz')} import_rps={rps('sshkeyd', 'import-ed25519')} "
          f"generate_rps={rps('sshkeyd', 'generate')} get_rps={rps('sshkeyd', 'get')} "
          f"list_rps={rps('sshkeyd', 'list')} import_p99_ms={p99:.2f} "
          f"moto_import_rps={rps('moto', 'import-ed25519')} peak_rss_mb={round(int(peak_kib) / 1024)}")


if __name__ == "__main__":
    main(*sys.argv[1:])
