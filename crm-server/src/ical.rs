//! iCalendar (RFC 5545) rendering of a calendar feed: meetings as `VEVENT`, open tasks as
//! `VTODO`. Written by hand (a few lines: escaping, CRLF, folding at 75 octets) rather than
//! with a crate, to keep the output small and fully under test. Notes and bodies are left
//! out: calendar clients copy feeds to other servers.

use chrono::{DateTime, Utc};
use crm_domain::activity::{Activity, ActivityKind, Priority};

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded at 75 octets (continuations start with a space).
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

/// The whole calendar.
pub fn render(name: &str, items: &[Activity], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//CRM//Agenda//FR");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    for a in items {
        let f = &a.fields;
        match (a.kind, f.starts_at, f.ends_at, f.due_at) {
            (ActivityKind::Meeting, Some(start), Some(end), _) => {
                line(&mut out, "BEGIN:VEVENT");
                line(&mut out, &format!("UID:{}@crm", a.id));
                line(&mut out, &format!("DTSTAMP:{}", stamp(now)));
                line(&mut out, &format!("LAST-MODIFIED:{}", stamp(a.updated_at)));
                line(&mut out, &format!("SEQUENCE:{}", a.version));
                line(&mut out, &format!("DTSTART:{}", stamp(start)));
                line(&mut out, &format!("DTEND:{}", stamp(end)));
                line(&mut out, &format!("SUMMARY:{}", escape(f.subject.as_str())));
                if let Some(p) = &f.place {
                    line(&mut out, &format!("LOCATION:{}", escape(p.as_str())));
                }
                line(&mut out, "END:VEVENT");
            }
            (ActivityKind::Task, _, _, Some(due)) => {
                line(&mut out, "BEGIN:VTODO");
                line(&mut out, &format!("UID:{}@crm", a.id));
                line(&mut out, &format!("DTSTAMP:{}", stamp(now)));
                line(&mut out, &format!("LAST-MODIFIED:{}", stamp(a.updated_at)));
                line(&mut out, &format!("SEQUENCE:{}", a.version));
                line(&mut out, &format!("DUE:{}", stamp(due)));
                line(&mut out, &format!("SUMMARY:{}", escape(f.subject.as_str())));
                let priority = match f.priority {
                    Priority::High => 1,
                    Priority::Normal => 5,
                    Priority::Low => 9,
                };
                line(&mut out, &format!("PRIORITY:{priority}"));
                line(&mut out, "STATUS:NEEDS-ACTION");
                line(&mut out, "END:VTODO");
            }
            _ => {}
        }
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_folding() {
        assert_eq!(escape("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
        let mut out = String::new();
        line(&mut out, &format!("SUMMARY:{}", "é".repeat(60)));
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        assert!(out.contains("\r\n "));
    }
}
