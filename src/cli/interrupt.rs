//! Ctrl-C (SIGINT): the run stops at once with exit 130. A report file is only ever replaced by a
//! rename once complete, so every report stays whole; the temporary file of one being written is removed.

use std::path::PathBuf;
use std::sync::Mutex;

/// The exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub(crate) const INTERRUPTED: u8 = 130;

/// Temporary files being written: removed when the run is interrupted.
static WRITING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Installs the handler. Called once, before any work.
pub(crate) fn install() {
    let handler = || {
        let pending = std::mem::take(&mut *WRITING.lock().unwrap_or_else(|e| e.into_inner()));
        for tmp in pending {
            let _ = std::fs::remove_file(tmp);
        }
        eprintln!("sgaudit: interrupted: stopped before finishing; every report file is as it was or complete");
        std::process::exit(i32::from(INTERRUPTED));
    };
    if let Err(e) = ctrlc::set_handler(handler) {
        tracing::warn!("cannot handle Ctrl-C ({e}): an interrupted run exits as the signal decides");
    }
}

/// A temporary file being written, forgotten once dropped (written and renamed, or removed).
pub(crate) struct Writing(PathBuf);

impl Writing {
    pub(crate) fn new(tmp: PathBuf) -> Writing {
        WRITING.lock().unwrap_or_else(|e| e.into_inner()).push(tmp.clone());
        Writing(tmp)
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        WRITING.lock().unwrap_or_else(|e| e.into_inner()).retain(|p| p != &self.0);
    }
}
