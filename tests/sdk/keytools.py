"""ssh-keygen helpers: keys generated at test time are the test vectors."""

import os
import subprocess
from pathlib import Path

TIMEOUT = 60

# (label, ssh-keygen arguments) of every kind imported by the suite.
KINDS = {
    "ed25519": ["-t", "ed25519"],
    "ecdsa-p256": ["-t", "ecdsa", "-b", "256"],
    "ecdsa-p384": ["-t", "ecdsa", "-b", "384"],
    "ecdsa-p521": ["-t", "ecdsa", "-b", "521"],
    "rsa-2048": ["-t", "rsa", "-b", "2048"],
    "rsa-3072": ["-t", "rsa", "-b", "3072"],
}


def _run(args: list[str]) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, f"{args} failed ({done.returncode}): {done.stderr}"
    return done.stdout


def keygen(directory: Path, args: list[str], comment: str = "e2e@sshkeyd") -> Path:
    """Generates a pair without passphrase; returns the private key's path
    (the public half is beside it with `.pub`)."""
    path = directory / f"key{len(list(directory.iterdir()))}"
    _run(["ssh-keygen", "-q", *args, "-N", "", "-C", comment, "-f", str(path)])
    return path


def public_line(private_path: Path) -> str:
    """The `.pub` file's one line, as ssh-keygen wrote it."""
    return Path(f"{private_path}.pub").read_text().strip()


def md5_fingerprint(path: Path) -> str:
    """`ssh-keygen -l -E md5` of a key file, without the `MD5:` prefix."""
    field = _run(["ssh-keygen", "-l", "-E", "md5", "-f", str(path)]).split()[1]
    assert field.startswith("MD5:"), field
    return field.removeprefix("MD5:")


def sha256_fingerprint(path: Path) -> str:
    """`ssh-keygen -l` of a key file: its default `SHA256:...` fingerprint."""
    field = _run(["ssh-keygen", "-l", "-E", "sha256", "-f", str(path)]).split()[1]
    assert field.startswith("SHA256:"), field
    return field


def write_private(directory: Path, text: str) -> Path:
    """Writes a private key with mode 0600, as ssh-keygen insists."""
    path = directory / "returned_private_key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text if text.endswith("\n") else text + "\n")
    return path


def derive_public(private_path: Path) -> str:
    """`ssh-keygen -y`: the public key a private key file belongs to."""
    return _run(["ssh-keygen", "-y", "-f", str(private_path)]).strip()


def type_and_blob(line: str) -> tuple[str, str]:
    """The first two fields of an OpenSSH public key line (no comment)."""
    fields = line.split()
    assert len(fields) >= 2, line
    return fields[0], fields[1]
