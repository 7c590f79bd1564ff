//! TOML inputs (suppressions, policies, targets): one parser whose errors name the file and line.

use serde::de::DeserializeOwned;

/// Deserializes `text`; an error reads `FILE: line N: message`.
pub fn parse<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| {
        let place = e.span().map(|s| format!(" line {}", line_of(text, s.start))).unwrap_or_default();
        format!("{file}:{place}: {}", e.message())
    })
}

/// The 1-based line of byte `offset`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].lines().count().max(1)
}

/// The line of each `[[table]]` header, in order: where the n-th entry of an array of tables starts.
pub fn headers(text: &str, table: &str) -> Vec<usize> {
    let header = format!("[[{table}]]");
    text.lines().enumerate().filter(|(_, l)| l.trim_start().starts_with(&header)).map(|(i, _)| i + 1).collect()
}
