//! Who is using the page: the session cookie of the API (`crm_session`, set at login), and
//! the CSRF token the page sends back with every write (cookie `crm_csrf`, readable by the
//! page, echoed in a form field or the `X-CSRF-Token` header and checked against the
//! session's hash).

use crm_ports::services::auth::Authenticated;
use poem::Request;

/// The session cookie (the same as the API's).
pub const SESSION_COOKIE: &str = "crm_session";
/// The cookie carrying the CSRF token to the page.
pub const CSRF_COOKIE: &str = "crm_csrf";
/// The cookie of the interface language the person chose (set at login and when changed).
pub const LANG_COOKIE: &str = "crm_lang";
/// The header htmx requests carry it in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A cookie of the request.
pub fn cookie<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.header("cookie")?.split(';').find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// The CSRF token of the page (empty when absent).
pub fn csrf(req: &Request) -> String {
    cookie(req, CSRF_COOKIE).unwrap_or_default().to_owned()
}

/// `Set-Cookie` values for a session (or their removal with `max_age` 0).
pub fn set_cookies(base: &str, secure: bool, token: &str, csrf: &str, max_age: i64) -> [String; 2] {
    let secure = if secure { "; Secure" } else { "" };
    [
        format!("{SESSION_COOKIE}={token}; Path={base}/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"),
        format!("{CSRF_COOKIE}={csrf}; Path={base}/; SameSite=Strict; Max-Age={max_age}{secure}"),
    ]
}

/// The `Set-Cookie` value of the language cookie (removed when the person chose none: the
/// browser's language applies).
pub fn lang_cookie(base: &str, secure: bool, language: Option<crm_domain::tenant::Language>) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match language {
        Some(l) => format!("{LANG_COOKIE}={}; Path={base}/; SameSite=Lax; Max-Age=31536000{secure}", l.code()),
        None => format!("{LANG_COOKIE}=; Path={base}/; SameSite=Lax; Max-Age=0{secure}"),
    }
}

/// The authenticated session of the request, if any.
pub async fn current<S, K, C, I>(app: &crm_ports::App<S, K, C, I>, req: &Request) -> Option<Authenticated>
where
    S: crm_ports::store::Store,
    K: crm_ports::Credentials,
    C: crm_ports::Clock,
    I: crm_ports::IdGenerator,
{
    let token = cookie(req, SESSION_COOKIE)?;
    app.authenticate(token).await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_name() {
        let req = Request::builder().header("cookie", "a=1; crm_session=tok; crm_csrf=c").finish();
        assert_eq!(cookie(&req, SESSION_COOKIE), Some("tok"));
        assert_eq!(csrf(&req), "c");
        assert_eq!(cookie(&req, "b"), None);
        let [s, c] = set_cookies("/crm", true, "t", "x", 60);
        assert!(s.contains("Path=/crm/") && s.contains("HttpOnly") && s.ends_with("Secure"));
        assert!(c.starts_with("crm_csrf=x") && !c.contains("HttpOnly"));
    }
}
