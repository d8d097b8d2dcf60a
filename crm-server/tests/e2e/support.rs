//! `spawn_app`: the server on port 0 with a fresh SQLite data directory.

use crm_server::config::{Config, FileConfig};
use crm_server::{http, open_app};
use std::time::Duration;

pub struct TestServer {
    pub base: String,
    pub client: crm_sdk::Client,
    pub _dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pub handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.handle.await.unwrap().unwrap();
    }
}

pub async fn spawn_app() -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::layered(
        FileConfig::default(),
        FileConfig {
            data_dir: Some(dir.path().to_path_buf()),
            ..FileConfig::default()
        },
    );
    let app = open_app(&config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel();
    let handle = tokio::spawn(http::serve(
        listener,
        http::endpoint(app, config.http()),
        async {
            let _ = rx.await;
        },
        Duration::from_secs(5),
    ));
    TestServer {
        client: crm_sdk::Client::new(&base).unwrap(),
        base,
        _dir: dir,
        shutdown: Some(tx),
        handle,
    }
}
