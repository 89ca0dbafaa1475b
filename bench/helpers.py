"""Small helpers for bench/run (standard library only).

  helpers.py port                         a free TCP port on 127.0.0.1
  helpers.py ids URL TOKEN PROJECT PAGES [FIELD]
                                          real key ids (or another field, e.g.
                                          fingerprint_sha256), 1000 a page
  helpers.py keys URL TOKEN PROJECTS COUNT IDS FINGERPRINTS
                                          COUNT keys of PROJECTS (one id, or
                                          FIRST-LAST: random ones of the range),
                                          written as PROJECT/ID lines to IDS and
                                          PROJECT FINGERPRINT lines to FINGERPRINTS
  helpers.py moto-pool < keys > values    PublicKeyMaterial form values
"""

import base64
import json
import random
import socket
import sys
import urllib.parse
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def ids(url, token, project, pages, field="id"):
    for page in range(int(pages)):
        req = urllib.request.Request(
            f"{url}/cloud/v1/ssh_keys/{project}?limit=1000&offset={page * 1000}",
            headers={"Authorization": f"APIKey {token}"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            for key in json.load(resp)["results"]:
                print(key[field])


def page(url, token, project, offset):
    req = urllib.request.Request(
        f"{url}/cloud/v1/ssh_keys/{project}?limit=1000&offset={offset}",
        headers={"Authorization": f"APIKey {token}"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)["results"]


def keys(url, token, projects, count, ids_path, fingerprints_path):
    count = int(count)
    if "-" in projects:
        first, last = map(int, projects.split("-"))
        rng = random.Random(16)  # the same sample for the same store
        pages = ((p, 0) for p in iter(lambda: rng.randint(first, last), None))
    else:
        pages = ((int(projects), offset) for offset in range(0, 10**9, 1000))
    found = []
    for project, offset in pages:
        batch = page(url, token, project, offset)
        if not batch and "-" not in projects:
            break
        found += [(project, k["id"], k["fingerprint_sha256"]) for k in batch]
        if len(found) >= count:
            break
    with open(ids_path, "w") as ids, open(fingerprints_path, "w") as fps:
        for project, key_id, fingerprint in found[:count]:
            ids.write(f"{project}/{key_id}\n")
            fps.write(f"{project} {fingerprint}\n")


def moto_pool():
    for line in sys.stdin:
        if line.strip():
            material = base64.b64encode(line.strip().encode()).decode()
            print(urllib.parse.quote(material, safe=""))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"port": free_port, "ids": ids, "keys": keys, "moto-pool": moto_pool}[command](*args)
