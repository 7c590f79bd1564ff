//! S3, both ways:
//! - `--output s3://BUCKET/KEY`: a report written with PutObject, with the caller's credentials (the profile or
//!   environment, never a role assumed for an audited account);
//! - `--flow-logs s3://BUCKET/PREFIX`: flow-log objects listed (ListObjectsV2, 1,000 keys a page) and read
//!   (GetObject) with the audited account's credentials, through [`Store`], the SDK's
//!   [`ObjectStore`](super::flowlogs::ObjectStore).
//!
//! [`put`] and [`Store`] are built with the `s3` feature only; the URLs parse in every build, so a build without
//! it can say so.
//!
//! The object appears whole or not at all (PutObject is atomic), so a reader never sees half a report. The
//! bucket's default encryption applies. The client's region is the configured one (AWS_REGION, the profile,
//! else the first audited region); a bucket in another region answers with a redirect naming its region, and
//! the object is put again there, once.

#[cfg(feature = "s3")]
use super::outcome::{Call, Failure};
#[cfg(feature = "s3")]
use super::{base_config, for_region, Options};
#[cfg(feature = "s3")]
use aws_sdk_s3::primitives::ByteStream;
#[cfg(feature = "s3")]
use aws_smithy_runtime_api::client::result::SdkError;

/// Where an object goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
}

impl std::fmt::Display for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// A report that could not be put, with what the operator can do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot write {object}: s3:PutObject in {region} failed: {code}: {message} (hint: {hint})")]
pub struct PutError {
    /// The object.
    pub object: Object,
    /// The region the call was made in.
    pub region: String,
    /// The AWS error code (or the SDK's: `NoCredentials`, `DispatchFailure`, ...).
    pub code: String,
    /// The error message.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

/// Puts `body` at `object` with `content_type`.
#[cfg(feature = "s3")]
pub async fn put(opts: &Options, object: &Object, body: Vec<u8>, content_type: &str) -> Result<(), PutError> {
    // The caller's own credentials: an audit role is read-only, and is another account's.
    let opts = &Options { role: None, replay: None, pace: None, ..opts.clone() };
    let base = base_config(opts, None, None).await;
    let custom_endpoint = opts.endpoint_url.is_some()
        || ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"].iter().any(|v| std::env::var_os(v).is_some());
    let configured =
        base.region().map(|r| r.to_string()).or_else(|| opts.regions.first().cloned()).unwrap_or("us-east-1".into());
    let mut region = configured.clone();
    for attempt in 0..2 {
        let conf = aws_sdk_s3::config::Builder::from(&for_region(&base, &region))
            // An emulator on 127.0.0.1 has no bucket host names.
            .force_path_style(custom_endpoint)
            .build();
        let client = aws_sdk_s3::Client::from_conf(conf);
        let sent = client
            .put_object()
            .bucket(&object.bucket)
            .key(&object.key)
            .content_type(content_type)
            .body(ByteStream::from(body.clone()))
            .send()
            .await;
        let err = match sent {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        // The bucket's own region, when the answer names it (a 301 PermanentRedirect, or a signature for the
        // wrong region).
        let elsewhere = match &err {
            SdkError::ServiceError(ctx) => {
                ctx.raw().headers().get("x-amz-bucket-region").map(str::to_string).filter(|r| *r != region)
            }
            _ => None,
        };
        let failure = Failure::from(err);
        match elsewhere {
            Some(other) if attempt == 0 => region = other,
            _ => return Err(put_error(object, &region, failure)),
        }
    }
    unreachable!("the loop returns on its second attempt")
}

#[cfg(feature = "s3")]
fn put_error(object: &Object, region: &str, f: Failure) -> PutError {
    let hint = match f.code.as_str() {
        "NoSuchBucket" => format!("the bucket {} does not exist: create it, or fix the URL", object.bucket),
        "PermanentRedirect" | "AuthorizationHeaderMalformed" | "IllegalLocationConstraintException" => {
            format!("the bucket {} is in another region: set AWS_REGION to it", object.bucket)
        }
        code if code.contains("AccessDenied") => format!(
            "grant s3:PutObject on arn:aws:s3:::{}/{} to the identity running sgaudit (and kms:GenerateDataKey if \
             the bucket encrypts with a KMS key)",
            object.bucket, object.key
        ),
        _ => super::outcome::hint(Call { region, service: "s3", operation: "PutObject" }, &f),
    };
    PutError { object: object.clone(), region: region.to_string(), code: f.code, message: f.message, hint }
}

/// Parses `s3://BUCKET[/PREFIX]` (a flow-log source): `None` for anything else, an error for an S3 URL without a
/// bucket.
pub fn parse_prefix(url: &str) -> Option<Result<super::flowlogs::Source, String>> {
    let rest = url.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    Some(if bucket.is_empty() {
        Err(format!("`{url}`: an S3 source is s3://BUCKET/PREFIX"))
    } else {
        Ok(super::flowlogs::Source::Objects { bucket: bucket.to_string(), prefix: prefix.to_string() })
    })
}

/// The SDK's [`ObjectStore`](super::flowlogs::ObjectStore): blocking calls on a runtime's handle, for the
/// flow-log readers' threads (never called from within the runtime's own tasks).
#[cfg(feature = "s3")]
pub struct Store {
    client: aws_sdk_s3::Client,
    handle: tokio::runtime::Handle,
    region: String,
}

#[cfg(feature = "s3")]
impl Store {
    /// A store with `opts`' credentials (the audited account's, its role included), in the configured region,
    /// over the collection's HTTP layer (recorded or replayed with it).
    pub async fn new(opts: &Options, http: &super::Http) -> Store {
        let base = base_config(opts, http.replay.as_ref(), http.recorder.as_ref()).await;
        let region = base
            .region()
            .map(|r| r.to_string())
            .or_else(|| opts.regions.first().cloned())
            .unwrap_or("us-east-1".into());
        let custom_endpoint = opts.endpoint_url.is_some()
            || ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"].iter().any(|v| std::env::var_os(v).is_some());
        let conf =
            aws_sdk_s3::config::Builder::from(&for_region(&base, &region)).force_path_style(custom_endpoint).build();
        Store { client: aws_sdk_s3::Client::from_conf(conf), handle: tokio::runtime::Handle::current(), region }
    }

    fn gap(&self, operation: &'static str, f: Failure) -> Box<crate::model::Coverage> {
        Box::new(super::outcome::failed(Call { region: &self.region, service: "s3", operation }, f))
    }
}

#[cfg(feature = "s3")]
impl super::flowlogs::ObjectStore for Store {
    fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<(String, u64)>, Box<crate::model::Coverage>> {
        self.handle.block_on(async {
            let mut pages =
                self.client.list_objects_v2().bucket(bucket).prefix(prefix).max_keys(1000).into_paginator().send();
            let mut out = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| self.gap("ListObjectsV2", Failure::from(e)))?;
                out.extend(page.contents().iter().filter_map(|o| {
                    let key = o.key()?;
                    // Folder markers hold no records.
                    (!key.ends_with('/')).then(|| (key.to_string(), o.size().unwrap_or(0).max(0) as u64))
                }));
            }
            out.sort();
            Ok(out)
        })
    }

    fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, Box<crate::model::Coverage>> {
        self.handle.block_on(self.fetch(bucket, key))
    }

    /// Up to [`AHEAD`] objects in flight, handed over in order: a reader thread parses one object while the
    /// next ones download. Memory: at most `AHEAD` objects per reader thread.
    fn get_each(
        &self,
        objects: &[(&str, &str)],
        each: &mut dyn FnMut(usize, Result<Vec<u8>, Box<crate::model::Coverage>>),
    ) {
        use futures::StreamExt;
        self.handle.block_on(async {
            let mut fetched =
                futures::stream::iter(objects.iter().map(|(bucket, key)| self.fetch(bucket, key))).buffered(AHEAD);
            let mut k = 0;
            while let Some(got) = fetched.next().await {
                each(k, got);
                k += 1;
            }
        })
    }
}

/// GetObject calls in flight per flow-log reader thread.
#[cfg(feature = "s3")]
const AHEAD: usize = 16;

#[cfg(feature = "s3")]
impl Store {
    async fn fetch(&self, bucket: &str, key: &str) -> Result<Vec<u8>, Box<crate::model::Coverage>> {
        let object = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| self.gap("GetObject", Failure::from(e)))?;
        let body = object.body.collect().await.map_err(|e| {
            self.gap("GetObject", Failure { code: "ReadError".into(), message: format!("s3://{bucket}/{key}: {e}") })
        })?;
        Ok(body.into_bytes().to_vec())
    }
}

/// Parses `s3://BUCKET/KEY`: `None` for anything else, an error for an S3 URL without a bucket or a key.
pub fn parse(url: &str) -> Option<Result<Object, String>> {
    let rest = url.strip_prefix("s3://")?;
    Some(match rest.split_once('/') {
        Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() && !key.ends_with('/') => {
            Ok(Object { bucket: bucket.to_string(), key: key.to_string() })
        }
        _ => Err(format!("`{url}`: an S3 destination is s3://BUCKET/KEY, the key naming the object (not a folder)")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_bucket_and_a_key() {
        let o = parse("s3://audits/sgaudit/{date}/report.json").unwrap().unwrap();
        assert_eq!((o.bucket.as_str(), o.key.as_str()), ("audits", "sgaudit/{date}/report.json"));
        assert_eq!(o.to_string(), "s3://audits/sgaudit/{date}/report.json");
        assert!(parse("report.json").is_none());
        for bad in ["s3://", "s3://audits", "s3://audits/", "s3:///key", "s3://audits/reports/"] {
            assert!(parse(bad).unwrap().is_err(), "{bad}");
        }
    }
}
