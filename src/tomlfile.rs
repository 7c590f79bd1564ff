//! TOML inputs (suppressions, policies, targets): one parser whose errors name the file, line and column of
//! the offending key or value.

use serde::de::DeserializeOwned;
use std::ops::Range;

pub use toml::Spanned;

/// An error in a TOML input, with its place: `FILE: line L, column C: message` (the line alone for an entry as
/// a whole, neither when the file as a whole is at fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct ConfigError {
    /// The file.
    pub file: String,
    /// The line, from 1, when one is at fault.
    pub line: Option<usize>,
    /// The column, from 1, when one value or key is at fault.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    /// At the start of `span` of `text`.
    pub fn at(file: &str, text: &str, span: Range<usize>, message: String) -> ConfigError {
        let (line, column) = position(text, span.start);
        ConfigError { file: file.to_string(), line: Some(line), column: Some(column), message }
    }

    /// At a line: an entry as a whole (its header).
    pub fn line(file: &str, line: usize, message: String) -> ConfigError {
        ConfigError { file: file.to_string(), line: Some(line), column: None, message }
    }

    /// The file as a whole: it cannot be read, or a rule spans it.
    pub fn file(file: &str, message: String) -> ConfigError {
        ConfigError { file: file.to_string(), line: None, column: None, message }
    }

    fn render(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{}: line {l}, column {c}: {}", self.file, self.message),
            (Some(l), None) => format!("{}: line {l}: {}", self.file, self.message),
            _ => format!("{}: {}", self.file, self.message),
        }
    }
}

/// Deserializes `text`; an error names the file and the place of the key or value at fault.
pub fn parse<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| match e.span() {
        Some(span) => ConfigError::at(file, text, span, e.message().to_string()),
        None => ConfigError::file(file, e.message().to_string()),
    })
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
