//! `ssh-keygen` wrappers for the domain tests: real keys made at test time
//! and the reference fingerprint to check ours against.

use std::path::Path;
use std::process::Command;

/// A key pair written by `ssh-keygen`.
pub struct KeygenPair {
    /// Contents of the `.pub` file, without the trailing newline.
    pub public: String,
    /// Contents of the private key file.
    pub private: String,
}

/// Generates a pair with `ssh-keygen -t kind [-b bits]` in a temporary dir.
pub fn keygen(kind: &str, bits: Option<u32>) -> KeygenPair {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key");
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-N", "", "-C", "tester@example", "-t", kind, "-f"]).arg(&path);
    if let Some(bits) = bits {
        cmd.args(["-b", &bits.to_string()]);
    }
    let out = cmd.output().expect("ssh-keygen must be installed");
    assert!(out.status.success(), "ssh-keygen -t {kind}: {}", String::from_utf8_lossy(&out.stderr));
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    let private = std::fs::read_to_string(&path).unwrap();
    KeygenPair { public: public.trim_end().to_owned(), private }
}

/// `ssh-keygen -l -E md5` on a public key line, without the `MD5:` prefix.
pub fn md5_fingerprint(public_line: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.pub");
    std::fs::write(&path, format!("{public_line}\n")).unwrap();
    let out = run(Command::new("ssh-keygen").args(["-l", "-E", "md5", "-f"]).arg(&path));
    let field = out.split_whitespace().nth(1).expect("ssh-keygen -l prints a fingerprint");
    field.strip_prefix("MD5:").expect("MD5: prefix").to_owned()
}

/// `ssh-keygen -y -f` on a private key: the public line it derives.
pub fn public_from_private(private: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key");
    write_private(&path, private);
    run(Command::new("ssh-keygen").arg("-y").arg("-f").arg(&path)).trim_end().to_owned()
}

fn write_private(path: &Path, private: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, private).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("ssh-keygen must be installed");
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
