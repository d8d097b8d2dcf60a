//! Health routes, the key file of the data directory, and graceful shutdown.

use crate::support::spawn_app;

#[tokio::test]
async fn health_and_readiness_answer() {
    let s = spawn_app().await;
    s.client.health().await.unwrap();
    s.client.ready().await.unwrap();
    let key = s.dir.path().join("master.key");
    assert!(key.exists(), "the first start creates the master key file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(s.dir.path().join("crm.db").exists());
    let base = s.base.clone();
    s.stop().await;
    assert!(
        crm_sdk::Client::new(&base).unwrap().health().await.is_err(),
        "stopped server still answers"
    );
}

#[tokio::test]
async fn unknown_routes_are_problem_404() {
    let s = spawn_app().await;
    let r = s.client.raw("GET", "/api/v1/nope", None, &[]).await.unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.body["code"], "not_found");
    s.stop().await;
}
