//! `ssh-keygen` and `openssl` wrappers: real keys made at test time, in every
//! format they write, and the reference fingerprints, conversions and
//! derivations to check ours against. One file for every
//! test: the unit tests include it from `src/domain/mod.rs`, the
//! integration tests from `tests/api/main.rs`.

use std::path::PathBuf;
use std::process::Command;

/// A key pair written by `ssh-keygen`.
pub struct KeygenPair {
    /// Contents of the `.pub` file, without the trailing newline.
    pub public: String,
    /// Contents of the private key file.
    pub private: String,
}

/// `ssh-keygen -t kind [-b bits]`, with the comment `tester@example`.
pub fn keygen(kind: &str, bits: Option<u32>) -> KeygenPair {
    keygen_in(kind, bits, None)
}

/// Like [`keygen`], with the private key in `format` (`PEM`, `PKCS8`)
/// instead of OpenSSH's own.
pub fn keygen_in(kind: &str, bits: Option<u32>, format: Option<&str>) -> KeygenPair {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key");
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-N", "", "-C", "tester@example", "-t", kind]);
    if let Some(bits) = bits {
        cmd.args(["-b", &bits.to_string()]);
    }
    if let Some(format) = format {
        cmd.args(["-m", format]);
    }
    run(cmd.arg("-f").arg(&path));
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    let private = std::fs::read_to_string(&path).unwrap();
    KeygenPair { public: public.trim_end().to_owned(), private }
}

/// `ssh-keygen -l -E md5` on a public key line, without the `MD5:` prefix.
pub fn md5_fingerprint(public_line: &str) -> String {
    let (_dir, path) = write_temp("key.pub", &format!("{public_line}\n"));
    let out = run(Command::new("ssh-keygen").args(["-l", "-E", "md5", "-f"]).arg(&path));
    let field = out.split_whitespace().nth(1).expect("ssh-keygen -l prints a fingerprint");
    field.strip_prefix("MD5:").expect("MD5: prefix").to_owned()
}

/// `ssh-keygen -l` on a public key line: its default SHA-256 fingerprint,
/// `SHA256:` and unpadded base64.
pub fn sha256_fingerprint(public_line: &str) -> String {
    let (_dir, path) = write_temp("key.pub", &format!("{public_line}\n"));
    let out = run(Command::new("ssh-keygen").args(["-l", "-E", "sha256", "-f"]).arg(&path));
    out.split_whitespace().nth(1).expect("ssh-keygen -l prints a fingerprint").to_owned()
}

/// `ssh-keygen -y -f` on a private key: the public line it derives.
pub fn public_from_private(private: &str) -> String {
    let (_dir, path) = write_temp("key", private);
    run(Command::new("ssh-keygen").arg("-y").arg("-f").arg(&path)).trim_end().to_owned()
}

/// `ssh-keygen -e -m format` on a public key line: the block another tool
/// would give a user (`RFC4716`, `PKCS8` for SubjectPublicKeyInfo, `PEM`
/// for PKCS#1). OpenSSH exports RSA and ECDSA keys to the PEM formats.
pub fn export_public(public_line: &str, format: &str) -> String {
    let (_dir, path) = write_temp("key.pub", &format!("{public_line}\n"));
    run(Command::new("ssh-keygen").args(["-e", "-m", format, "-f"]).arg(&path))
}

/// `ssh-keygen -i -m format` on a block: the OpenSSH line (`type base64`,
/// no comment) that ssh-keygen itself converts it to.
pub fn import_public(block: &str, format: &str) -> String {
    let (_dir, path) = write_temp("key.txt", block);
    run(Command::new("ssh-keygen").args(["-i", "-m", format, "-f"]).arg(&path)).trim_end().to_owned()
}

/// The public half of a new `openssl genpkey` key (`algorithm` and its
/// `-pkeyopt` settings), as `openssl pkey -pubout` writes it: PEM
/// SubjectPublicKeyInfo.
pub fn openssl_public(algorithm: &str, options: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let private = dir.path().join("key.pem");
    let mut genpkey = Command::new("openssl");
    genpkey.args(["genpkey", "-quiet", "-algorithm", algorithm]);
    for option in options {
        genpkey.args(["-pkeyopt", option]);
    }
    run(genpkey.arg("-out").arg(&private));
    run(Command::new("openssl").args(["pkey", "-pubout", "-in"]).arg(&private))
}

/// `openssl <args> -in <file holding pem>`: re-encodes a public key, e.g.
/// `["rsa", "-pubin", "-RSAPublicKey_out"]` for PKCS#1, or
/// `["pkey", "-pubin", "-text", "-noout"]` to see what OpenSSL reads in it.
pub fn openssl(args: &[&str], pem: &str) -> String {
    let (_dir, path) = write_temp("key.pem", pem);
    run(Command::new("openssl").args(args).arg("-in").arg(&path))
}

/// Writes `contents` to `name` in a new temporary directory, readable by
/// its owner alone (`ssh-keygen` refuses private keys others can read).
fn write_temp(name: &str, contents: &str) -> (tempfile::TempDir, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    (dir, path)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("ssh-keygen and openssl must be installed");
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
