//! Configuration errors name the right place: for generated sgaudit.toml and policy files with one bad key or
//! one bad value at a random line, the reported line holds it and the reported column is where it starts.

use proptest::prelude::*;
use sgaudit::policy::Policy;
use sgaudit::suppress::Config;

/// The line and column an error names: `FILE: line L, column C: …`.
fn place(err: &str) -> (usize, usize) {
    let rest = err.split(": line ").nth(1).unwrap_or_else(|| panic!("no line in {err}"));
    let (line, rest) = rest.split_once(", column ").unwrap_or_else(|| panic!("no column in {err}"));
    let column = rest.split(':').next().unwrap();
    (line.parse().unwrap(), column.parse().unwrap())
}

/// Where `needle` starts in `text`: 1-based line and column.
fn position_of(text: &str, needle: &str) -> (usize, usize) {
    let (i, line) = text.lines().enumerate().find(|(_, l)| l.contains(needle)).expect("the needle is in the text");
    (i + 1, line.find(needle).unwrap() + 1)
}

/// Entries of `table`, each a list of `key = value` lines, with blank lines and comments between them.
fn layout(table: &str, entries: &[Vec<String>], filler: &[u8]) -> String {
    let mut text = String::new();
    for (i, lines) in entries.iter().enumerate() {
        text.push_str(&format!("[[{table}]]\n"));
        for (j, l) in lines.iter().enumerate() {
            match filler.get(i * 7 + j).copied().unwrap_or(0) % 4 {
                0 => text.push('\n'),
                1 => text.push_str("# a comment\n"),
                _ => {}
            }
            text.push_str(l);
            text.push('\n');
        }
    }
    text
}

fn suppression(i: usize) -> Vec<String> {
    vec![format!("resource = \"sg-{i:04}\""), "check = \"unused-group\"".into(), format!("reason = \"ticket {i}\"")]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn a_bad_suppression_key_is_named_where_it_stands(
        n in 1usize..6, at in any::<prop::sample::Index>(), slot in any::<prop::sample::Index>(),
        indent in 0usize..3, filler in prop::collection::vec(any::<u8>(), 50),
    ) {
        let mut entries: Vec<Vec<String>> = (0..n).map(suppression).collect();
        let which = at.index(n);
        let bad = format!("{}bogus_key_{which} = \"x\"", " ".repeat(indent));
        let pos = slot.index(entries[which].len() + 1);
        entries[which].insert(pos, bad);
        let text = layout("suppress", &entries, &filler);
        let err = Config::parse(&text, "sgaudit.toml").unwrap_err().to_string();
        prop_assert!(err.contains(&format!("unknown field `bogus_key_{which}`")), "{}", err);
        prop_assert_eq!(place(&err), position_of(&text, &format!("bogus_key_{which}")), "{}\n{}", err, text);
    }

    #[test]
    fn a_bad_suppression_value_is_named_where_it_stands(
        n in 1usize..6, at in any::<prop::sample::Index>(), kind in 0usize..3,
        filler in prop::collection::vec(any::<u8>(), 50),
    ) {
        let mut entries: Vec<Vec<String>> = (0..n).map(suppression).collect();
        let which = at.index(n);
        let (line, value) = match kind {
            0 => ("expires = \"12/31/2999\"", "\"12/31/2999\""),
            1 => ("tag = \"no-equals-sign\"", "\"no-equals-sign\""),
            _ => ("region = 42", "42"),
        };
        entries[which].push(line.to_string());
        let text = layout("suppress", &entries, &filler);
        let err = Config::parse(&text, "sgaudit.toml").unwrap_err().to_string();
        let (l, _) = position_of(&text, line);
        let column = text.lines().nth(l - 1).unwrap().find(value).unwrap() + 1;
        prop_assert_eq!(place(&err), (l, column), "{}\n{}", err, text);
    }

    #[test]
    fn a_bad_policy_key_or_port_is_named_where_it_stands(
        n in 1usize..5, at in any::<prop::sample::Index>(), bad_key in any::<bool>(),
        filler in prop::collection::vec(any::<u8>(), 50),
    ) {
        let mut entries: Vec<Vec<String>> =
            (0..n).map(|i| vec!["from = \"web\"".to_string(), "to = \"db\"".to_string(), format!("ports = [{}]", 5000 + i)]).collect();
        let which = at.index(n);
        let needle = if bad_key {
            entries[which].push(format!("bogus_{which} = 1"));
            format!("bogus_{which}")
        } else {
            entries[which][2] = format!("ports = [22, \"9{which}-1\"]");
            format!("\"9{which}-1\"")
        };
        let text = format!("[tiers]\nweb = [\"sg-web\"]\ndb = [\"sg-db\"]\n\n{}", layout("allow", &entries, &filler));
        let err = Policy::parse(&text, "policy.toml").unwrap_err().to_string();
        prop_assert_eq!(place(&err), position_of(&text, &needle), "{}\n{}", err, text);
    }
}
