"""Small helpers for bench/run (standard library only).

  helpers.py port                         a free TCP port on 127.0.0.1
  helpers.py ids URL TOKEN PROJECT PAGES  real key ids, listed 1000 a page
  helpers.py moto-pool < keys > values    PublicKeyMaterial form values
"""

import base64
import json
import socket
import sys
import urllib.parse
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def ids(url, token, project, pages):
    for page in range(int(pages)):
        req = urllib.request.Request(
            f"{url}/cloud/v1/ssh_keys/{project}?limit=1000&offset={page * 1000}",
            headers={"Authorization": f"APIKey {token}"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            for key in json.load(resp)["results"]:
                print(key["id"])


def moto_pool():
    for line in sys.stdin:
        if line.strip():
            material = base64.b64encode(line.strip().encode()).decode()
            print(urllib.parse.quote(material, safe=""))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"port": free_port, "ids": ids, "moto-pool": moto_pool}[command](*args)
