//! A report as a PDF: A4 pages drawn with printpdf's own operations in Helvetica (a font
//! every reader has; text is written WinAnsi, so the French letters, `€`, `«»` and `—`
//! come out as they are). Each page has the report's title and period at the top, the
//! generation line and `page n / N` at the bottom. Tables run across pages with their
//! headings repeated (a table of labels and texts has none); figures are aligned right, a
//! long text wraps over several lines. Each chart is drawn as horizontal bars
//! (one or two series, with a legend) with the value at the end of each bar.

use crate::metrics::{fit, width, wrap};
use crate::{Chart, Document, Table};
use printpdf::{
    BuiltinFont, Color, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, Rgb,
    TextItem,
};

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 42.0;
const TOP: f32 = 770.0;
const BOTTOM: f32 = 56.0;
const ROW: f32 = 15.0;
const SIZE: f32 = 8.5;

fn rgb(r: f32, g: f32, b: f32) -> Color {
    Color::Rgb(Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

fn ink() -> Color {
    rgb(0.11, 0.14, 0.19)
}

fn muted() -> Color {
    rgb(0.31, 0.36, 0.42)
}

/// The series' colours: blue, green.
fn series_colour(i: usize) -> Color {
    if i == 0 { rgb(0.11, 0.31, 0.85) } else { rgb(0.02, 0.46, 0.28) }
}

/// Text as the WinAnsi font takes it (a narrow no-break space becomes a no-break space).
fn clean(text: &str) -> String {
    text.replace('\u{202f}', "\u{a0}")
}

/// The pages being drawn.
struct Pages {
    done: Vec<Vec<Op>>,
    ops: Vec<Op>,
    y: f32,
}

impl Pages {
    fn new() -> Self {
        Self {
            done: Vec::new(),
            ops: Vec::new(),
            y: TOP,
        }
    }

    fn text(&mut self, x: f32, y: f32, text: &str, size: f32, bold: bool, colour: Color) {
        let font = if bold { BuiltinFont::HelveticaBold } else { BuiltinFont::Helvetica };
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFillColor { col: colour },
            Op::SetFont {
                font: PdfFontHandle::Builtin(font),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point { x: Pt(x), y: Pt(y) },
            },
            Op::ShowText {
                items: vec![TextItem::Text(clean(text))],
            },
            Op::EndTextSection,
        ]);
    }

    /// Text ending at `right`.
    fn text_right(&mut self, right: f32, y: f32, text: &str, size: f32, bold: bool, colour: Color) {
        let w = width(text, size, bold);
        self.text(right - w, y, text, size, bold, colour);
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, colour: Color) {
        self.ops.push(Op::SetFillColor { col: colour });
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect {
                mode: Some(PaintMode::Fill),
                ..Rect::from_xywh(Pt(x), Pt(y), Pt(w), Pt(h))
            },
        });
    }

    fn rule(&mut self, y: f32, colour: Color) {
        let p = |x: f32| LinePoint {
            p: Point { x: Pt(x), y: Pt(y) },
            bezier: false,
        };
        self.ops.extend([
            Op::SetOutlineColor { col: colour },
            Op::SetOutlineThickness { pt: Pt(0.6) },
            Op::DrawLine {
                line: Line {
                    points: vec![p(MARGIN), p(PAGE_W - MARGIN)],
                    is_closed: false,
                },
            },
        ]);
    }

    /// Room for `h` points below the cursor, on a new page if needed; whether a page was
    /// turned.
    fn room(&mut self, h: f32) -> bool {
        if self.y - h >= BOTTOM {
            return false;
        }
        self.done.push(std::mem::take(&mut self.ops));
        self.y = TOP;
        true
    }
}

/// Column edges: the first (labels) wider, the figures sharing the rest.
fn columns(t: &Table) -> Vec<(f32, f32)> {
    let n = t.columns.len().max(1);
    let span = PAGE_W - 2.0 * MARGIN;
    #[allow(clippy::cast_precision_loss)] // a handful of columns
    let labels_and_texts = t.columns.iter().all(|c| c.trim().is_empty());
    let first = if n == 1 {
        span
    } else if labels_and_texts {
        span * 0.26
    } else {
        span * if n > 4 { 0.28 } else { 0.4 }
    };
    #[allow(clippy::cast_precision_loss)]
    let other = if n == 1 { 0.0 } else { (span - first) / (n - 1) as f32 };
    let mut x = MARGIN;
    (0..n)
        .map(|i| {
            let w = if i == 0 { first } else { other };
            let edge = (x, x + w);
            x += w;
            edge
        })
        .collect()
}

/// The height of a heading's second line.
const LINE: f32 = 10.0;

/// The height of `n` heading lines past the first.
fn more_lines(n: usize) -> f32 {
    f32::from(u8::try_from(n).unwrap_or(u8::MAX)) * LINE
}

fn heading_row(p: &mut Pages, t: &Table, cols: &[(f32, f32)]) {
    // A long heading takes two lines rather than being cut.
    let labels: Vec<Vec<String>> = t
        .columns
        .iter()
        .zip(cols)
        .map(|(c, (l, r))| wrap(c, SIZE, true, r - l - 6.0, 2))
        .collect();
    let lines = labels.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let height = ROW + more_lines(lines - 1);
    p.rect(MARGIN, p.y - height + 3.0, PAGE_W - 2.0 * MARGIN, height, rgb(0.93, 0.95, 0.97));
    // A heading sits where its column's cells do: right above figures, left above text.
    let figure = |i: usize| t.rows.first().and_then(|r| r.get(i)).map_or(i > 0, crate::Cell::is_figure);
    for (i, (label, (l, r))) in labels.iter().zip(cols).enumerate() {
        // Its lines end on the row's baseline.
        let first = p.y - height + 7.0 + more_lines(label.len().max(1) - 1);
        for (k, line) in label.iter().enumerate() {
            let y = first - more_lines(k);
            if !figure(i) {
                p.text(l + 3.0, y, line, SIZE, true, ink());
            } else {
                p.text_right(r - 3.0, y, line, SIZE, true, ink());
            }
        }
    }
    p.y -= height;
}

/// Most lines a text cell takes (a register's paragraph); the rest is cut.
const CELL_LINES: usize = 24;

fn table(p: &mut Pages, t: &Table) {
    p.room(3.0 * ROW + 20.0);
    p.text(MARGIN, p.y - 12.0, &t.title, 11.0, true, ink());
    p.y -= 20.0;
    let cols = columns(t);
    // A table of labels and texts has no headings.
    let headed = t.columns.iter().any(|c| !c.trim().is_empty());
    if headed {
        heading_row(p, t, &cols);
    }
    for row in &t.rows {
        // A long text takes several lines rather than being cut; figures take one.
        let texts: Vec<Vec<String>> = row
            .iter()
            .zip(&cols)
            .map(|(cell, (l, r))| {
                if cell.is_figure() {
                    vec![fit(&cell.shown(), SIZE, false, r - l - 6.0)]
                } else {
                    wrap(&cell.shown(), SIZE, false, r - l - 6.0, CELL_LINES)
                }
            })
            .collect();
        let lines = texts.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let height = ROW + more_lines(lines - 1);
        if p.room(height) && headed {
            heading_row(p, t, &cols);
        }
        for ((cell, text), (l, r)) in row.iter().zip(&texts).zip(&cols) {
            for (k, line) in text.iter().enumerate() {
                let y = p.y - ROW + 7.0 - more_lines(k);
                if cell.is_figure() {
                    p.text_right(r - 3.0, y, line, SIZE, false, ink());
                } else {
                    p.text(l + 3.0, y, line, SIZE, false, ink());
                }
            }
        }
        p.y -= height;
        p.rule(p.y + 3.0, rgb(0.84, 0.86, 0.89));
    }
    p.y -= 14.0;
}

fn chart(p: &mut Pages, doc: &Document, c: &Chart) {
    let Some(t) = doc.tables.get(c.table) else { return };
    let bars: Vec<(String, Vec<(f64, String)>)> = t
        .rows
        .iter()
        .map(|r| {
            let label = r.get(c.labels).map(crate::Cell::shown).unwrap_or_default();
            let values = c
                .series
                .iter()
                .map(|s| {
                    r.get(*s)
                        .map_or((0.0, String::new()), |cell| (cell.number().unwrap_or(0.0), cell.shown()))
                })
                .collect();
            (label, values)
        })
        .collect();
    let per = if c.series.len() > 1 { 22.0 } else { 15.0 };
    #[allow(clippy::cast_precision_loss)] // a few dozen bars
    let height = bars.len() as f32 * per + 44.0;
    p.room(height.min(TOP - BOTTOM));
    p.text(MARGIN, p.y - 12.0, &c.title, 11.0, true, ink());
    p.y -= 20.0;
    // Legend.
    let mut x = MARGIN;
    for (i, s) in c.series.iter().enumerate() {
        let name = t.columns.get(*s).cloned().unwrap_or_default();
        p.rect(x, p.y - 8.0, 8.0, 8.0, series_colour(i));
        p.text(x + 11.0, p.y - 7.5, &name, SIZE, false, muted());
        x += 11.0 + width(&name, SIZE, false) + 14.0;
    }
    p.y -= 16.0;
    let label_w = (PAGE_W - 2.0 * MARGIN) * 0.3;
    let left = MARGIN + label_w;
    let span = PAGE_W - MARGIN - left - 70.0;
    let top = bars
        .iter()
        .flat_map(|(_, v)| v.iter().map(|(n, _)| *n))
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    for (label, values) in &bars {
        p.room(per);
        p.text(
            MARGIN,
            p.y - per / 2.0 - 3.0,
            &fit(label, SIZE, false, label_w - 6.0),
            SIZE,
            false,
            ink(),
        );
        let bar_h = (per - 4.0) / values.len().max(1) as f32;
        for (i, (n, shown)) in values.iter().enumerate() {
            #[allow(clippy::cast_possible_truncation)] // a share of the span
            let w = ((n.max(0.0) / top) as f32 * span).max(0.5);
            #[allow(clippy::cast_precision_loss)]
            let y = p.y - 2.0 - bar_h * (i as f32 + 1.0);
            p.rect(left, y, w, bar_h - 1.0, series_colour(i));
            p.text(left + w + 4.0, y + bar_h / 2.0 - 3.0, shown, 7.5, false, muted());
        }
        p.y -= per;
    }
    p.y -= 14.0;
}

/// The bytes of the PDF file.
pub fn write_pdf(doc: &Document) -> Vec<u8> {
    let mut p = Pages::new();
    for (i, t) in doc.tables.iter().enumerate() {
        table(&mut p, t);
        for c in doc.charts.iter().filter(|c| c.table == i) {
            chart(&mut p, doc, c);
        }
    }
    p.done.push(std::mem::take(&mut p.ops));
    let total = p.done.len();
    let pages: Vec<PdfPage> = p
        .done
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let mut frame = Pages::new();
            frame.text(MARGIN, PAGE_H - 44.0, &doc.title, 15.0, true, ink());
            frame.text(MARGIN, PAGE_H - 60.0, &doc.period, 9.5, false, muted());
            frame.rule(PAGE_H - 67.0, rgb(0.75, 0.78, 0.82));
            frame.rule(40.0, rgb(0.75, 0.78, 0.82));
            frame.text(MARGIN, 29.0, &doc.generated, 7.5, false, muted());
            frame.text(
                MARGIN,
                19.0,
                &fit(&doc.note, 7.0, false, PAGE_W - 2.0 * MARGIN),
                7.0,
                false,
                muted(),
            );
            frame.text_right(
                PAGE_W - MARGIN,
                29.0,
                &format!("{} {} / {}", doc.page_word, i + 1, total),
                7.5,
                false,
                muted(),
            );
            let mut ops = frame.ops;
            ops.extend(body);
            PdfPage::new(Mm(210.0), Mm(297.0), ops)
        })
        .collect();
    let mut pdf = PdfDocument::new(&clean(&doc.title));
    let mut warnings = Vec::new();
    pdf.with_pages(pages).save(&PdfSaveOptions::default(), &mut warnings)
}
