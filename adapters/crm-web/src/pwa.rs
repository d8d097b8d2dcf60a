//! The phone-first mode's files: the web app manifest (name, icons, start page, colours:
//! what makes the interface installable), the service worker (`assets/sw.js` with this
//! version's file names and the base path written in; served from the interface's root so
//! that its scope is the whole interface) and the page it shows offline when it has no
//! copy of what is asked (no one's data in it).

use crate::Web;
use crate::assets::ASSETS;
use crate::i18n::Lang;
use crate::view::{Page, html};
use askama::Template;
use poem::http::StatusCode;
use poem::{Request, Response};
use serde_json::json;

/// The app's colours (the top bar's, the page's).
const THEME: &str = "#1d2330";
const BACKGROUND: &str = "#f4f6f9";

/// `GET /manifest.webmanifest`.
pub(crate) async fn manifest<S, K, C, I, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let base = &web.settings.base_path;
    let lang = Lang::of_request(&req);
    let a = &*ASSETS;
    let icon = |i: usize, size: &str, purpose: &str| json!({"src": format!("{base}/assets/{}", a.icons[i].name), "sizes": size, "type": "image/png", "purpose": purpose});
    let body = json!({
        "name": lang.t("pwa.name"),
        "short_name": lang.t("app.name"),
        "description": lang.t("pwa.description"),
        "lang": lang.code(),
        "start_url": format!("{base}/dashboard"),
        "scope": format!("{base}/"),
        "id": format!("{base}/"),
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME,
        "background_color": BACKGROUND,
        "icons": [icon(0, "192x192", "any"), icon(1, "512x512", "any"), icon(2, "512x512", "maskable")],
    });
    Response::builder()
        .content_type("application/manifest+json")
        .header("cache-control", "no-cache")
        .body(body.to_string())
}

/// `GET /sw.js`: the service worker of this version.
pub(crate) async fn service_worker<S, K, C, I, X>(web: &Web<S, K, C, I, X>, _req: Request) -> Response {
    let base = &web.settings.base_path;
    let a = &*ASSETS;
    let mut files: Vec<String> = a.shell().iter().map(|f| format!("{base}/assets/{}", f.name)).collect();
    files.push(format!("{base}/offline"));
    let version: String = a
        .shell()
        .iter()
        .map(|f| f.name.rsplit('-').next().unwrap_or_default().chars().take(4).collect::<String>())
        .collect();
    let script = include_str!("../assets/sw.js")
        .replace("__BASE__", base)
        .replace("__VERSION__", &version)
        .replace("__SHELL_FILES__", &json!(files).to_string());
    Response::builder()
        .content_type("text/javascript; charset=utf-8")
        .header("cache-control", "no-cache")
        .body(script)
}

#[derive(Template)]
#[template(path = "offline.html")]
struct OfflinePage {
    page: Page,
}

/// `GET /offline`: what shows offline in place of a page not kept (no session needed, no
/// one's data).
pub(crate) async fn offline<S, K, C, I, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let p = OfflinePage {
        page: Page::new(&req, &web.settings.base_path, "offline"),
    };
    match p.render() {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => {
            tracing::error!(error = %e, "the offline page did not render");
            html(StatusCode::INTERNAL_SERVER_ERROR, String::new())
        }
    }
}
