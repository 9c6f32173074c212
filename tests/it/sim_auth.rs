//! `ramp sim --token-auth-file`: the users of a token file, through the real kubectl.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

/// `ramp sim` as a child process, killed when dropped.
struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn kubectl(kubeconfig: &std::path::Path, args: &[&str]) -> std::process::Output {
    let bin = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    Command::new(bin).arg("--kubeconfig").arg(kubeconfig).args(args).output().expect("kubectl runs")
}

#[test]
fn a_bad_token_file_is_refused_before_anything_starts() {
    let dir = std::env::temp_dir().join(format!("ramp-sim-bad-tokens-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tokens.csv");
    std::fs::write(&file, "t-alice,alice\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_ramp"))
        .args(["sim", "--token-auth-file"])
        .arg(&file)
        .output()
        .expect("ramp runs");
    assert_eq!(o.status.code(), Some(2), "bad input");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("must have at least 3 columns (token, user name, user uid), found 2"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ramp_sim_serves_the_users_of_a_token_file_over_tls() {
    let dir = std::env::temp_dir().join(format!("ramp-sim-tokens-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (file, kubeconfig) = (dir.join("tokens.csv"), dir.join("kubeconfig"));
    std::fs::write(&file, "t-alice,alice,uid-alice,\"devs,ops\"\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ramp"))
        .args(["sim", "--listen", "127.0.0.1:0", "--kubeconfig"])
        .arg(&kubeconfig)
        .arg("--token-auth-file")
        .arg(&file)
        .stdout(Stdio::piped())
        .spawn()
        .expect("ramp sim starts");
    let stdout = child.stdout.take().unwrap();
    let sim = Sim(child);
    // The banner ends with "Stop with Ctrl-C." once the server listens.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut banner = Vec::new();
    while !banner.last().is_some_and(|l: &String| l.starts_with("Stop with")) {
        banner.push(rx.recv_timeout(Duration::from_secs(60)).expect("ramp sim prints its banner"));
    }
    let text = banner.join("\n");
    assert!(text.contains("Hollow cluster serving at https://127.0.0.1:"), "{text}");
    assert!(text.contains(&format!("Tokens:     1 from {}", file.display())), "{text}");

    let who =
        kubectl(&kubeconfig, &["--token", "t-alice", "auth", "whoami", "-o", "jsonpath={.status.userInfo}"]);
    assert!(who.status.success(), "{}", String::from_utf8_lossy(&who.stderr));
    assert_eq!(
        String::from_utf8_lossy(&who.stdout),
        r#"{"groups":["devs","ops","system:authenticated"],"uid":"uid-alice","username":"alice"}"#
    );
    let refused = kubectl(&kubeconfig, &["--token", "t-alice", "get", "pods"]);
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains(
            r#"pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default""#
        ),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let admin = kubectl(&kubeconfig, &["get", "namespaces", "-o", "name"]);
    assert!(
        String::from_utf8_lossy(&admin.stdout).contains("namespace/default"),
        "the kubeconfig's user is the admin"
    );
    drop(sim);
    let _ = std::fs::remove_dir_all(&dir);
}
