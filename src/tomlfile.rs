//! TOML inputs (suppressions, policies, targets): one parser whose errors name the file, line and column of
//! the offending key or value.

use serde::de::DeserializeOwned;
use std::ops::Range;

pub use toml::Spanned;

/// Deserializes `text`; an error reads `FILE: line L, column C: message`.
pub fn parse<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| match e.span() {
        Some(span) => format!("{}: {}", place(file, text, span), e.message()),
        None => format!("{file}: {}", e.message()),
    })
}

/// `FILE: line L, column C` for the start of `span` in `text`.
pub fn place(file: &str, text: &str, span: Range<usize>) -> String {
    let (line, column) = position(text, span.start);
    format!("{file}: line {line}, column {column}")
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
pub fn position(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// The line of each `[[table]]` header, in order: where the n-th entry of an array of tables starts.
pub fn headers(text: &str, table: &str) -> Vec<usize> {
    let header = format!("[[{table}]]");
    text.lines().enumerate().filter(|(_, l)| l.trim_start().starts_with(&header)).map(|(i, _)| i + 1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_from_one_and_start_each_line_anew() {
        let text = "[[suppress]]\nchek = \"x\"\n  é = 1\n";
        assert_eq!(position(text, 0), (1, 1));
        assert_eq!(position(text, 13), (2, 1));
        assert_eq!(position(text, 20), (2, 8));
        let e = text.find('é').unwrap();
        assert_eq!(position(text, e), (3, 3));
        assert_eq!(position(text, e + 1), (3, 3), "inside a character: its start");
        assert_eq!(position(text, e + 2), (3, 4));
        assert_eq!(position(text, 10_000), (4, 1));
    }
}
