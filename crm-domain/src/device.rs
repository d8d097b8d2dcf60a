//! What a person reads to tell their sessions apart: the browser and the system a session
//! was opened from, read from its `User-Agent` (« Firefox · Windows », « Safari ·
//! iPhone »), or the program's name for other clients (`curl`, `crm-sdk`). A few known
//! names are enough here: a full user-agent database would be a dependency for one label.

/// Longest label kept.
pub const MAX_LABEL: usize = 60;

/// The label of a `User-Agent`; `None` when there is none to read.
pub fn describe(user_agent: &str) -> Option<String> {
    let ua = user_agent.trim();
    if ua.is_empty() {
        return None;
    }
    let has = |s: &str| ua.contains(s);
    // Order matters: Edge and Opera say « Chrome », Chrome says « Safari ».
    let browser = if has("Edg/") {
        Some("Edge")
    } else if has("OPR/") {
        Some("Opera")
    } else if has("Firefox/") {
        Some("Firefox")
    } else if has("Chrome/") || has("CriOS/") {
        Some("Chrome")
    } else if has("Safari/") {
        Some("Safari")
    } else {
        None
    };
    let system = if has("iPhone") {
        Some("iPhone")
    } else if has("iPad") {
        Some("iPad")
    } else if has("Android") {
        Some("Android")
    } else if has("Windows") {
        Some("Windows")
    } else if has("Mac OS X") || has("Macintosh") {
        Some("macOS")
    } else if has("CrOS") {
        Some("ChromeOS")
    } else if has("Linux") {
        Some("Linux")
    } else {
        None
    };
    let label = match (browser, system) {
        (Some(b), Some(s)) => format!("{b} · {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => s.to_owned(),
        // Another program: its first product name (`curl/8.5` → `curl`).
        (None, None) => ua.split(['/', ' ']).next().unwrap_or(ua).to_owned(),
    };
    Some(label.chars().filter(|c| !c.is_control()).take(MAX_LABEL).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_and_systems_are_named() {
        let cases = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox · Windows",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari · iPhone",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome · Android",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge · macOS",
            ),
            ("curl/8.5.0", "curl"),
            ("crm-sdk/0.1.0", "crm-sdk"),
        ];
        for (ua, label) in cases {
            assert_eq!(describe(ua).as_deref(), Some(label), "{ua}");
        }
        assert_eq!(describe("  "), None);
        assert!(describe(&"x".repeat(500)).is_some_and(|l| l.chars().count() == MAX_LABEL));
    }
}
