//! A plain-text body as the HTML part of an email: text escaped, paragraphs and line
//! breaks kept, written-out links made clickable; and the links a body holds (the only
//! ones a click redirect will follow).

/// A piece of text: plain, or a link written out.
enum Piece<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// Cuts `text` into plain runs and `http(s)://` links (a link ends at a space or a quote
/// mark, without the punctuation that closes a sentence).
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = find_link(rest) {
        let tail = &rest[start..];
        let mut end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '«' | '»'))
            .unwrap_or(tail.len());
        while end > 0 && tail[..end].ends_with(['.', ',', ';', ':', '!', '?', ')', ']', '\'']) {
            end -= 1;
        }
        let link = &tail[..end];
        if link.len() <= "https://".len() {
            // A scheme and nothing after it: text.
            out.push(Piece::Text(&rest[..start + link.len().max(1)]));
            rest = &rest[start + link.len().max(1)..];
            continue;
        }
        if start > 0 {
            out.push(Piece::Text(&rest[..start]));
        }
        out.push(Piece::Link(link));
        rest = &tail[end..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

fn find_link(s: &str) -> Option<usize> {
    match (s.find("https://"), s.find("http://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The links `text` holds, each once, in order.
pub fn links(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for p in pieces(text) {
        if let Piece::Link(l) = p
            && !out.contains(&l)
        {
            out.push(l);
        }
    }
    out
}

/// `text` with each link replaced by what `f` makes of it (a tracked redirect).
pub fn rewrite_links(text: &str, f: impl Fn(&str) -> String) -> String {
    pieces(text)
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => t.to_owned(),
            Piece::Link(l) => f(l),
        })
        .collect()
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// `s` as HTML text (`&`, `<`, `>` and quotes escaped).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape(s, &mut out);
    out
}

/// The HTML of a plain-text body: paragraphs (`<p>`) at blank lines, `<br>` at line
/// breaks, links as anchors whose target is `href(link)` and whose text is the link.
pub fn text_to_html(text: &str, href: impl Fn(&str) -> String) -> String {
    let normalized = text.replace("\r\n", "\n");
    let mut out = String::new();
    for para in normalized
        .split("\n\n")
        .map(|p| p.trim_matches('\n'))
        .filter(|p| !p.trim().is_empty())
    {
        out.push_str("<p>");
        for (i, line) in para.split('\n').enumerate() {
            if i > 0 {
                out.push_str("<br>\n");
            }
            for piece in pieces(line) {
                match piece {
                    Piece::Text(t) => escape(t, &mut out),
                    Piece::Link(l) => {
                        out.push_str("<a href=\"");
                        escape(&href(l), &mut out);
                        out.push_str("\">");
                        escape(l, &mut out);
                        out.push_str("</a>");
                    }
                }
            }
        }
        out.push_str("</p>\n");
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_without_closing_punctuation() {
        let t = "Voir https://exemple.fr/offre?id=3. Et (http://a.b/c), puis https://exemple.fr/offre?id=3 !";
        assert_eq!(links(t), ["https://exemple.fr/offre?id=3", "http://a.b/c"]);
        assert!(links("https:// rien").is_empty());
    }

    #[test]
    fn html_escapes_and_keeps_the_shape() {
        let h = text_to_html("Bonjour <Léa> & co,\nligne 2\n\nVoir https://x.fr/a?b=1&c=2.", |l| {
            format!("{l}#t")
        });
        assert_eq!(
            h,
            "<p>Bonjour &lt;Léa&gt; &amp; co,<br>\nligne 2</p>\n<p>Voir <a href=\"https://x.fr/a?b=1&amp;c=2#t\">https://x.fr/a?b=1&amp;c=2</a>.</p>\n"
        );
    }

    #[test]
    fn links_are_rewritten_in_text() {
        assert_eq!(rewrite_links("a https://x.fr b", |_| "R".into()), "a R b");
    }
}
