"""Sends an exact number of requests, for bench/profile (standard library only).

  drive.py URL TOKEN SCENARIO COUNT CONNECTIONS TAG [FILE]

SCENARIO is healthz, get, list, import, generate or authorized_keys (in
project 1). get reads key ids from FILE, authorized_keys fingerprints
(SHA256:...), import OpenSSH public keys (one a line); the others take no
file. TAG keeps create names apart between calls. COUNT requests are split
evenly over CONNECTIONS keep-alive connections, one thread each, every
request waiting for its answer; any status but the expected one, or a
broken connection, is an error (exit 1, the first one printed). wrk is
time-based; a profile divides by a request count, so it needs this.
"""

import socket
import sys
import threading
import urllib.parse

EXPECTED = {"healthz": 200, "get": 200, "list": 200, "import": 201, "generate": 201, "authorized_keys": 200}


def requests_for(scenario, token, tag, pool, count, conn):
    """The raw requests one connection sends."""
    auth = f"Authorization: APIKey {token}\r\n"
    for i in range(count):
        n = conn * count + i
        if scenario == "healthz":
            yield "GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
        elif scenario == "get":
            yield f"GET /cloud/v1/ssh_keys/1/{pool[n % len(pool)]} HTTP/1.1\r\nHost: bench\r\n{auth}\r\n".encode()
        elif scenario == "list":
            yield f"GET /cloud/v1/ssh_keys/1?limit=10 HTTP/1.1\r\nHost: bench\r\n{auth}\r\n".encode()
        elif scenario == "authorized_keys":
            fp = urllib.parse.quote(pool[n % len(pool)], safe="")
            path = f"/cloud/v1/ssh_keys/1/authorized_keys?fingerprint={fp}"
            yield f"GET {path} HTTP/1.1\r\nHost: bench\r\n{auth}\r\n".encode()
        else:
            key = f',"public_key":"{pool[n % len(pool)]}"' if scenario == "import" else ""
            body = f'{{"name":"{tag}-{conn}-{i}"{key}}}'.encode()
            head = (f"POST /cloud/v1/ssh_keys/1 HTTP/1.1\r\nHost: bench\r\n{auth}"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
            yield head.encode() + body


def read_response(sock, buf):
    """(status, rest of buffer) for one response with a Content-Length."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length is None:
        raise ConnectionError(f"no Content-Length in a {status} answer")
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed in a body")
        rest += chunk
    return status, rest[length:]


def connection(host, port, reqs, want, errors):
    try:
        with socket.create_connection((host, port), timeout=120) as sock:
            buf = b""
            for req in reqs:
                sock.sendall(req)
                status, buf = read_response(sock, buf)
                if status != want:
                    errors.append(f"status {status} for {req[:80]!r}")
                    return
    except OSError as e:
        errors.append(f"{type(e).__name__}: {e}")


def main(url, token, scenario, count, connections, tag, path=None):
    count, connections = int(count), int(connections)
    pool = [line.strip() for line in open(path) if line.strip()] if path else []
    host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port
    per_conn = count // connections
    errors = []
    threads = [
        threading.Thread(target=connection, args=(
            host, port, list(requests_for(scenario, token, tag, pool, per_conn, c)), EXPECTED[scenario], errors))
        for c in range(connections)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"drive: {scenario}: {errors[0]}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main(*sys.argv[1:])
