//! The AWS CLI commands sgaudit prints, read back as the CLI reads them: words (single quotes keep a word
//! whole), `--option value` pairs, and the shorthand syntax of `--ip-permissions`.

use std::collections::BTreeMap;

/// One printed command: `aws SERVICE OPERATION` and its options (a flag without a value maps to "").
#[derive(Debug)]
pub struct Command {
    pub service: String,
    pub operation: String,
    pub options: BTreeMap<String, Vec<String>>,
}

impl Command {
    pub fn parse(text: &str) -> Result<Command, String> {
        let words = words(text)?;
        let [aws, service, operation, rest @ ..] = words.as_slice() else { return Err("too short".into()) };
        if aws != "aws" {
            return Err(format!("{aws}: not an AWS CLI command"));
        }
        let mut options: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut key: Option<String> = None;
        for w in rest {
            if let Some(flag) = w.strip_prefix("--") {
                if let Some(k) = key.take() {
                    options.entry(k).or_default();
                }
                key = Some(flag.to_string());
            } else {
                let k = key.clone().ok_or_else(|| format!("{w}: a value without an option"))?;
                options.entry(k).or_default().push(w.clone());
            }
        }
        if let Some(k) = key {
            options.entry(k).or_default();
        }
        Ok(Command { service: service.clone(), operation: operation.clone(), options })
    }

    /// The single value of an option.
    pub fn one(&self, option: &str) -> Option<&str> {
        match self.options.get(option).map(Vec::as_slice) {
            Some([v]) => Some(v),
            _ => None,
        }
    }
}

fn words(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let (mut quoted, mut started) = (false, false);
    for c in text.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    out.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if quoted {
        return Err("unbalanced quote".into());
    }
    if started {
        out.push(word);
    }
    Ok(out)
}

/// A shorthand value: a scalar, or a list of structures.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(String),
    List(Vec<BTreeMap<String, Value>>),
}

/// The shorthand syntax of one structure: `Key=value,Key=[{K=v,K=v},{...}]`.
pub fn shorthand(text: &str) -> Result<BTreeMap<String, Value>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    let out = structure(&chars, &mut at, None)?;
    if at != chars.len() {
        return Err(format!("unexpected {:?} at {at}", chars[at]));
    }
    Ok(out)
}

fn structure(c: &[char], at: &mut usize, end: Option<char>) -> Result<BTreeMap<String, Value>, String> {
    let mut out = BTreeMap::new();
    loop {
        let start = *at;
        while *at < c.len() && c[*at] != '=' {
            if !(c[*at].is_ascii_alphanumeric()) {
                return Err(format!("bad key character {:?} at {}", c[*at], *at));
            }
            *at += 1;
        }
        let key: String = c[start..*at].iter().collect();
        if key.is_empty() || *at == c.len() {
            return Err(format!("expected KEY= at {start}"));
        }
        *at += 1;
        let value = if c.get(*at) == Some(&'[') {
            *at += 1;
            let mut items = Vec::new();
            while c.get(*at) == Some(&'{') {
                *at += 1;
                items.push(structure(c, at, Some('}'))?);
                if c.get(*at) != Some(&'}') {
                    return Err(format!("expected }} at {}", *at));
                }
                *at += 1;
                if c.get(*at) == Some(&',') {
                    *at += 1;
                }
            }
            if c.get(*at) != Some(&']') {
                return Err(format!("expected ] at {}", *at));
            }
            *at += 1;
            Value::List(items)
        } else {
            let start = *at;
            while *at < c.len() && c[*at] != ',' && Some(c[*at]) != end {
                *at += 1;
            }
            Value::Scalar(c[start..*at].iter().collect())
        };
        if out.insert(key.clone(), value).is_some() {
            return Err(format!("{key} given twice"));
        }
        match c.get(*at) {
            Some(',') => *at += 1,
            Some(&x) if Some(x) == end => return Ok(out),
            None if end.is_none() => return Ok(out),
            other => return Err(format!("unexpected {other:?} at {}", *at)),
        }
    }
}

/// A parsed `--ip-permissions` as the SDK sends it.
pub fn sdk_permission(p: &BTreeMap<String, Value>) -> aws_sdk_ec2::types::IpPermission {
    use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};
    let scalar = |m: &BTreeMap<String, Value>, k: &str| match m.get(k) {
        Some(Value::Scalar(v)) => Some(v.clone()),
        _ => None,
    };
    let list = |k: &str| match p.get(k) {
        Some(Value::List(items)) => items.clone(),
        _ => Vec::new(),
    };
    let mut b = IpPermission::builder()
        .set_ip_protocol(scalar(p, "IpProtocol"))
        .set_from_port(scalar(p, "FromPort").map(|v| v.parse().unwrap()))
        .set_to_port(scalar(p, "ToPort").map(|v| v.parse().unwrap()));
    for i in list("IpRanges") {
        b = b.ip_ranges(IpRange::builder().set_cidr_ip(scalar(&i, "CidrIp")).build());
    }
    for i in list("Ipv6Ranges") {
        b = b.ipv6_ranges(Ipv6Range::builder().set_cidr_ipv6(scalar(&i, "CidrIpv6")).build());
    }
    for i in list("UserIdGroupPairs") {
        let pair = UserIdGroupPair::builder().set_group_id(scalar(&i, "GroupId")).set_user_id(scalar(&i, "UserId"));
        b = b.user_id_group_pairs(pair.build());
    }
    for i in list("PrefixListIds") {
        b = b.prefix_list_ids(PrefixListId::builder().set_prefix_list_id(scalar(&i, "PrefixListId")).build());
    }
    b.build()
}
