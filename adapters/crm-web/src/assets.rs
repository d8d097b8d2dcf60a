//! The interface's static files, embedded in the binary and served under names that carry
//! a hash of their content (`app-3f2a…e1.js`), with a year-long immutable cache: a new
//! binary changes the names of what changed, nothing else is fetched again.

use poem::http::StatusCode;
use poem::{Request, Response};
use std::sync::LazyLock;

/// One embedded file.
pub struct Asset {
    /// Its name as linked (`app-<hash>.js`).
    pub name: String,
    content_type: &'static str,
    bytes: &'static [u8],
}

fn hashed(stem: &str, ext: &str, bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    format!("{stem}-{}.{ext}", &hex::encode(digest.as_ref())[..12])
}

/// The files, by role.
pub struct Assets {
    /// htmx (vendored, see `assets/VENDORED.md`).
    pub htmx: Asset,
    /// SortableJS (vendored), for the board's drag and drop.
    pub sortable: Asset,
    /// Our script (search palette, CSRF header, menu, board, live updates).
    pub app_js: Asset,
    /// Our style sheet.
    pub app_css: Asset,
    /// The segment rule builder (its form only).
    pub segments_js: Asset,
    /// The phone-first mode (service worker, offline banner, call log).
    pub phone_js: Asset,
    /// The installed app's icons: 192 and 512 px, and 512 px with a safe zone (maskable).
    pub icons: [Asset; 3],
}

impl Assets {
    /// The files the service worker keeps for the interface to start offline.
    pub fn shell(&self) -> [&Asset; 5] {
        [&self.htmx, &self.app_js, &self.phone_js, &self.app_css, &self.icons[0]]
    }
}

/// The embedded files.
pub static ASSETS: LazyLock<Assets> = LazyLock::new(|| {
    let asset = |stem: &str, ext: &str, content_type: &'static str, bytes: &'static [u8]| Asset {
        name: hashed(stem, ext, bytes),
        content_type,
        bytes,
    };
    Assets {
        htmx: asset(
            "htmx-2.0.11",
            "js",
            "text/javascript; charset=utf-8",
            include_bytes!("../assets/vendor/htmx-2.0.11.min.js"),
        ),
        sortable: asset(
            "sortable-1.15.7",
            "js",
            "text/javascript; charset=utf-8",
            include_bytes!("../assets/vendor/sortable-1.15.7.min.js"),
        ),
        app_js: asset("app", "js", "text/javascript; charset=utf-8", include_bytes!("../assets/app.js")),
        app_css: asset("app", "css", "text/css; charset=utf-8", include_bytes!("../assets/app.css")),
        segments_js: asset(
            "segments",
            "js",
            "text/javascript; charset=utf-8",
            include_bytes!("../assets/segments.js"),
        ),
        phone_js: asset(
            "phone",
            "js",
            "text/javascript; charset=utf-8",
            include_bytes!("../assets/phone.js"),
        ),
        icons: [
            asset("icon-192", "png", "image/png", include_bytes!("../assets/icons/icon-192.png")),
            asset("icon-512", "png", "image/png", include_bytes!("../assets/icons/icon-512.png")),
            asset(
                "maskable-512",
                "png",
                "image/png",
                include_bytes!("../assets/icons/maskable-512.png"),
            ),
        ],
    }
});

/// `GET /assets/<name>`: the file, or 404 for any other name.
pub fn serve(req: &Request) -> Response {
    let name = req.raw_path_param("name").unwrap_or_default();
    let a = &*ASSETS;
    let files = [&a.htmx, &a.sortable, &a.app_js, &a.phone_js, &a.app_css, &a.segments_js];
    match files.into_iter().chain(a.icons.iter()).find(|x| x.name == name) {
        Some(x) => Response::builder()
            .content_type(x.content_type)
            .header("cache-control", "public, max-age=31536000, immutable")
            .body(x.bytes),
        None => Response::builder().status(StatusCode::NOT_FOUND).finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_content_hash() {
        assert!(ASSETS.app_js.name.starts_with("app-") && ASSETS.app_js.name.ends_with(".js"));
        assert_ne!(hashed("a", "js", b"1"), hashed("a", "js", b"2"));
        assert_eq!(hashed("a", "js", b"1"), hashed("a", "js", b"1"));
    }
}
