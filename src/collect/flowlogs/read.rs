//! Reading flow-log records from files, folders and S3 prefixes (through an [`ObjectStore`]) into one tally
//! per thread, merged into the evidence.

use crate::flowlog::{Evidence, Format, Hint, Origin, Read, Tally, TextFeed, Window};
use crate::model::{Coverage, CoverageStatus, Inventory};
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// Where flow-log records are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file, or a folder (every file under it).
    Path(PathBuf),
    /// Every object under a prefix of a bucket (`s3://BUCKET/PREFIX`).
    Objects {
        /// The bucket.
        bucket: String,
        /// The key prefix; empty for the whole bucket.
        prefix: String,
    },
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Path(p) => write!(f, "{}", p.display()),
            Source::Objects { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// Lists and reads objects. A failure is the coverage entry of the call that failed.
pub trait ObjectStore: Sync {
    /// The objects under `prefix`, with their sizes, in key order.
    fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<(String, u64)>, Box<Coverage>>;
    /// One object's bytes.
    fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, Box<Coverage>>;
    /// Each object's bytes, handed to `each` with its index, in order. A store may fetch ahead, several at a
    /// time; this one fetches each in turn.
    fn get_each(&self, objects: &[(&str, &str)], each: &mut dyn FnMut(usize, Result<Vec<u8>, Box<Coverage>>)) {
        for (k, (bucket, key)) in objects.iter().enumerate() {
            each(k, self.get(bucket, key));
        }
    }
}

/// What one thread read: its tally, its counts per source, and the failed calls by source.
type Share<'a> = (Tally<'a>, Vec<Read>, Vec<(usize, Coverage)>);

/// One file or object to read.
#[derive(Debug, Clone)]
enum Item {
    File(PathBuf),
    Object { bucket: String, key: String },
}

impl Item {
    fn name(&self) -> String {
        match self {
            Item::File(p) => p.display().to_string(),
            Item::Object { bucket, key } => format!("s3://{bucket}/{key}"),
        }
    }
}

/// Reads flow-log files and folders (every file under them, in name order): gzip or plain text, with or
/// without a header line. See [`read_sources`].
pub fn read_paths(
    inv: &Inventory,
    paths: &[PathBuf],
    format: Option<&Format>,
    window: Window,
) -> (Evidence, Vec<Coverage>) {
    let sources: Vec<Source> = paths.iter().cloned().map(Source::Path).collect();
    read_sources(inv, &sources, None, format, window)
}

/// Reads flow-log sources: files, folders (every file under them, in name order) and S3 prefixes (every
/// object under them, through `store`), gzip or plain text, with or without a header line. A file or object
/// named as AWS names delivered objects (`{account}_vpcflowlogs_{region}_{flow-log-id}_…`) is read with its
/// flow log's format and VPC; any other with its header, else `format`, else the default format. A source that
/// cannot be read is a failed coverage entry (for S3, the call's own: ListObjectsV2 or GetObject with the AWS
/// error code), and the evidence says so. The files are read side by side, one contiguous share of them (by
/// size) per thread, each into its own tally; the tallies are merged at the end.
pub fn read_sources(
    inv: &Inventory,
    sources: &[Source],
    store: Option<&dyn ObjectStore>,
    format: Option<&Format>,
    window: Window,
) -> (Evidence, Vec<Coverage>) {
    let groups = sources
        .iter()
        .map(|root| Group {
            source: root.to_string(),
            destination: root.to_string(),
            roots: vec![root.clone()],
            flow_log: None,
            error: None,
        })
        .collect();
    let (tally, reads, coverage) = read_groups(inv, groups, store, format, window);
    (Evidence::new(tally, reads, Origin::Given), coverage)
}

/// What one `Read` of the evidence covers: a given path or prefix, or a flow log's objects over the window.
pub(super) struct Group {
    pub(super) source: String,
    pub(super) destination: String,
    pub(super) roots: Vec<Source>,
    /// Read only the objects of this flow log (a bucket may hold several flow logs' objects).
    pub(super) flow_log: Option<String>,
    /// Why it cannot be read at all.
    pub(super) error: Option<String>,
}

/// Reads the groups: the tally, a [`Read`] per group, and the coverage entries of failed calls and reads.
pub(super) fn read_groups<'a>(
    inv: &'a Inventory,
    groups: Vec<Group>,
    store: Option<&dyn ObjectStore>,
    format: Option<&Format>,
    window: Window,
) -> (Tally<'a>, Vec<Read>, Vec<Coverage>) {
    let mut reads: Vec<Read> = groups
        .iter()
        .map(|g| Read {
            source: g.source.clone(),
            destination: g.destination.clone(),
            error: g.error.clone(),
            ..Read::default()
        })
        .collect();
    // The calls that failed, by source: their own coverage entries.
    let mut failed: Vec<(usize, Coverage)> = Vec::new();
    let mut files: Vec<(usize, u64, Item)> = Vec::new();
    for (i, group) in groups.iter().enumerate() {
        for root in &group.roots {
            match root {
                Source::Path(root) => {
                    let mut found = Vec::new();
                    if let Err(e) = list(root, &mut found) {
                        reads[i].error.get_or_insert(format!("{}: {e}", root.display()));
                    }
                    found.sort();
                    files.extend(
                        found.into_iter().map(|f| (i, std::fs::metadata(&f).map_or(0, |m| m.len()), Item::File(f))),
                    );
                }
                Source::Objects { bucket, prefix } => match store.map(|s| s.list(bucket, prefix)) {
                    Some(Ok(objects)) => files.extend(
                        objects
                            .into_iter()
                            .filter(|(key, _)| {
                                group.flow_log.as_deref().is_none_or(|id| {
                                    flow_log_of(key.rsplit('/').next().unwrap_or_default()) == Some(id)
                                })
                            })
                            .map(|(key, size)| (i, size, Item::Object { bucket: bucket.clone(), key })),
                    ),
                    Some(Err(gap)) => {
                        reads[i]
                            .error
                            .get_or_insert(format!("{root}: {}", gap.message.as_deref().unwrap_or("not listed")));
                        failed.push((i, *gap));
                    }
                    None => {
                        reads[i].error.get_or_insert(format!("{root}: this sgaudit was built without S3 support"));
                    }
                },
            }
        }
    }
    let parts = shares(files, rayon::current_num_threads().max(1));
    let done: Vec<Share> = {
        use rayon::prelude::*;
        parts
            .into_par_iter()
            .map(|part| {
                let mut tally = Tally::new(inv, window);
                let mut mine = vec![Read::default(); reads.len()];
                let mut gaps = Vec::new();
                let mut k = 0;
                while k < part.len() {
                    let objects: Vec<(&str, &str)> = part[k..]
                        .iter()
                        .map_while(|(_, _, item)| match item {
                            Item::Object { bucket, key } => Some((bucket.as_str(), key.as_str())),
                            Item::File(_) => None,
                        })
                        .collect();
                    match store {
                        // A run of objects: fetched by the store (ahead, when it can), read in order.
                        Some(store) if !objects.is_empty() => {
                            store.get_each(&objects, &mut |j, got| {
                                let (i, _, item) = &part[k + j];
                                if let Some(gap) = read_one(inv, item, Some(got), format, &mut tally, &mut mine[*i]) {
                                    gaps.push((*i, gap));
                                }
                            });
                            k += objects.len();
                        }
                        _ => {
                            let (i, _, item) = &part[k];
                            if let Some(gap) = read_one(inv, item, None, format, &mut tally, &mut mine[*i]) {
                                gaps.push((*i, gap));
                            }
                            k += 1;
                        }
                    }
                }
                (tally, mine, gaps)
            })
            .collect()
    };
    let mut total: Option<Tally> = None;
    for (tally, part_reads, gaps) in done {
        failed.extend(gaps);
        match &mut total {
            None => total = Some(tally),
            Some(t) => t.merge(tally),
        }
        for (r, p) in reads.iter_mut().zip(part_reads) {
            r.objects += p.objects;
            r.bytes += p.bytes;
            r.records += p.records;
            r.malformed += p.malformed;
            let room = 10usize.saturating_sub(r.malformed_lines.len());
            r.malformed_lines.extend(p.malformed_lines.into_iter().take(room));
            if !p.format.is_empty() {
                r.format = p.format;
            }
            if r.error.is_none() {
                r.error = p.error;
            }
        }
    }
    let tally = total.unwrap_or_else(|| Tally::new(inv, window));
    // Every source that failed without a failed call of its own: a file or object that could not be read.
    let called: std::collections::BTreeSet<usize> = failed.iter().map(|(i, _)| *i).collect();
    let coverage: Vec<Coverage> = reads
        .iter()
        .enumerate()
        .filter(|(i, _)| !called.contains(i))
        .filter_map(|(_, r)| r.error.as_ref())
        .map(|error| Coverage {
            account: inv.account.clone(),
            region: "-".to_string(),
            service: "flowlogs".to_string(),
            operation: "ReadFile".to_string(),
            status: CoverageStatus::Failed,
            error_code: Some("ReadError".to_string()),
            message: Some(error.clone()),
            hint: Some(
                "check the path and its permissions; no rule is judged by traffic while a file is missing".to_string(),
            ),
            pages: 0,
        })
        .chain(failed.into_iter().map(|(_, mut c)| {
            c.account = inv.account.clone();
            c
        }))
        .collect();
    (tally, reads, coverage)
}

/// Splits the files into at most `n` contiguous shares of about equal size.
fn shares(files: Vec<(usize, u64, Item)>, n: usize) -> Vec<Vec<(usize, u64, Item)>> {
    let total: u64 = files.iter().map(|f| f.1).sum();
    let per = total / n as u64 + 1;
    let mut out: Vec<Vec<(usize, u64, Item)>> = vec![Vec::new()];
    let mut size = 0;
    for f in files {
        if size >= per && out.len() < n {
            out.push(Vec::new());
            size = 0;
        }
        size += f.1;
        out.last_mut().expect("one share").push(f);
    }
    out
}

/// Reads one file, or one object with its fetched bytes, into the tally, its counts into `read`; an object that
/// could not be fetched is returned as its call's coverage entry.
fn read_one(
    inv: &Inventory,
    item: &Item,
    fetched: Option<Result<Vec<u8>, Box<Coverage>>>,
    format: Option<&Format>,
    tally: &mut Tally,
    read: &mut Read,
) -> Option<Coverage> {
    let name = item.name();
    let base = name.rsplit('/').next().unwrap_or_default();
    let flow_log = flow_log_of(base).and_then(|id| inv.flow_logs.iter().find(|f| f.id == id));
    let hint = flow_log.map(|f| Hint::of(inv, f)).unwrap_or_default();
    let own = flow_log.and_then(|f| f.log_format.as_deref()).and_then(|t| Format::parse(t).ok());
    let start = own.or_else(|| format.cloned()).unwrap_or_else(Format::default_v2);
    let mut feed = TextFeed::new(&name, start, hint, std::mem::take(read));
    feed.next_object(&name);
    let mut gap = None;
    let result = match item {
        Item::File(path) => read_file(path, &mut feed, tally),
        Item::Object { .. } => match fetched {
            Some(Ok(bytes)) => {
                feed.read.bytes += bytes.len() as u64;
                read_stream(std::io::Cursor::new(bytes), &mut feed, tally)
            }
            Some(Err(c)) => {
                let message = c.message.clone().unwrap_or_default();
                gap = Some(*c);
                Err(std::io::Error::other(message))
            }
            None => Err(std::io::Error::other("this sgaudit was built without S3 support")),
        },
    };
    if let Err(e) = result {
        feed.read.error.get_or_insert(format!("{name}: {e}"));
    }
    *read = feed.read;
    gap
}

/// The files under `path` (itself, for a file).
fn list(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        for entry in std::fs::read_dir(path)? {
            list(&entry?.path(), out)?;
        }
    } else {
        // Opened later; a missing file fails here with its name.
        std::fs::metadata(path)?;
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// The flow log ID in an object name as AWS writes it:
/// `123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz`.
fn flow_log_of(name: &str) -> Option<&str> {
    name.split('_').find(|p| p.starts_with("fl-"))
}

/// Streams one file's lines into the feed: gzip (by its magic bytes) or plain text. Lines that are not UTF-8
/// are read lossily, so they fail as malformed records rather than stop the file.
fn read_file(path: &Path, feed: &mut TextFeed, tally: &mut Tally) -> std::io::Result<()> {
    let file = std::fs::File::open(path)?;
    feed.read.bytes += file.metadata().map(|m| m.len()).unwrap_or(0);
    read_stream(file, feed, tally)
}

/// Streams one file's or object's lines into the feed: gzip (by its magic bytes), Parquet (read whole: see
/// `parquet.rs`) or plain text.
fn read_stream(mut input: impl std::io::Read + 'static, feed: &mut TextFeed, tally: &mut Tally) -> std::io::Result<()> {
    let mut magic = [0u8; 2];
    let n = input.read(&mut magic)?;
    if super::parquet::starts_parquet(&magic[..n]) {
        let mut bytes = magic[..n].to_vec();
        input.read_to_end(&mut bytes)?;
        if super::parquet::is_parquet(&bytes) {
            return super::parquet::read(bytes, feed, tally).map_err(std::io::Error::other);
        }
        // Text that happens to start so.
        return lines(std::io::Cursor::new(bytes), |line| feed.line_bytes(line, tally));
    }
    let head = std::io::Cursor::new(magic[..n].to_vec());
    let chained = head.chain(input);
    if n == 2 && magic == [0x1f, 0x8b] {
        lines(flate2::read::MultiGzDecoder::new(chained), |line| feed.line_bytes(line, tally))
    } else {
        lines(chained, |line| feed.line_bytes(line, tally))
    }
}

/// The buffer lines are read into; it holds many lines, which are read where they lie.
const CHUNK: usize = 1 << 18;
/// The longest line read whole. A longer one (no flow-log record is) is read as its first `LONGEST` bytes,
/// which fail as a malformed record, so that memory never grows with a file that has no line endings.
const LONGEST: usize = 1 << 20;

/// Calls `f` with each line (without its line ending), read in place from a buffer of many lines.
fn lines(mut reader: impl std::io::Read, mut f: impl FnMut(&[u8])) -> std::io::Result<()> {
    let mut buf = vec![0u8; CHUNK];
    // The unread part of the buffer: `from..to`; `skipping` while the rest of an over-long line is read past.
    let (mut from, mut to, mut skipping) = (0, 0, false);
    loop {
        if to == buf.len() {
            if from > 0 {
                buf.copy_within(from..to, 0);
                (to, from) = (to - from, 0);
            } else if buf.len() < LONGEST {
                buf.resize((buf.len() * 2).min(LONGEST), 0);
            } else {
                if !skipping {
                    f(&buf[..to]);
                }
                (to, skipping) = (0, true);
            }
        }
        let n = match reader.read(&mut buf[to..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            if from < to && !skipping {
                f(&buf[from..to]);
            }
            return Ok(());
        }
        let fresh = to;
        to += n;
        for end in memchr::memchr_iter(b'\n', &buf[fresh..to]).map(|i| fresh + i) {
            if !std::mem::take(&mut skipping) {
                f(&buf[from..end]);
            }
            from = end + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    /// Gives its bytes a few at a time, as a decoder may.
    struct Trickle<'a>(&'a [u8], usize);

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn lines_of(text: &[u8], step: usize) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        super::lines(Trickle(text, step), |l| out.push(l.to_vec())).unwrap();
        out
    }

    #[test]
    fn lines_across_reads_and_buffers() {
        // Lines that straddle reads and the buffer's end, a last line without its ending, an empty line.
        let text: Vec<u8> =
            (0..40_000).map(|i| format!("line {i} {}\n", "x".repeat(i % 97))).collect::<String>().into();
        let mut text = text;
        text.extend_from_slice(b"\nlast");
        let want: Vec<Vec<u8>> = text.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
        for step in [1 << 20, super::CHUNK, 4096, 7] {
            assert_eq!(lines_of(&text, step), want, "reads of {step}");
        }
        assert_eq!(lines_of(b"", 10), Vec::<Vec<u8>>::new());
        assert_eq!(lines_of(b"a\r\n\n", 10), vec![b"a\r".to_vec(), Vec::new()]);
    }

    #[test]
    fn an_over_long_line_is_cut_not_kept() {
        // A line longer than LONGEST is read as its first LONGEST bytes (a malformed record), and the lines
        // after it as they are.
        let mut text = vec![b'z'; 3 * super::LONGEST + 5];
        text.extend_from_slice(b"\na\nb");
        for step in [1 << 16, super::CHUNK] {
            let got = lines_of(&text, step);
            assert_eq!(got.len(), 3);
            assert_eq!(got[0].len(), super::LONGEST);
            assert_eq!(&got[1..], &[b"a".to_vec(), b"b".to_vec()]);
        }
    }

    #[test]
    fn flow_log_ids_in_names() {
        assert_eq!(
            super::flow_log_of("123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz"),
            Some("fl-1234abcd")
        );
        assert_eq!(super::flow_log_of("export.log"), None);
    }
}
