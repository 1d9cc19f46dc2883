//! Reading access logs: plain or gzip (by magic bytes, whatever the file is called), line by line.

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// A buffered line reader over a log file, decompressing gzip transparently.
pub fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    let mut f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic)?;
    let f = File::open(path)?;
    if n == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(BufReader::with_capacity(1 << 16, flate2::read::MultiGzDecoder::new(f))))
    } else {
        Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
    }
}

/// Calls `f` on each line (lossy UTF-8, so a bad byte never stops a long read).
pub fn for_each_line(path: &Path, mut f: impl FnMut(&str)) -> Result<()> {
    let mut r = open(path)?;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf).with_context(|| format!("reading {}", path.display()))? == 0 {
            return Ok(());
        }
        f(&String::from_utf8_lossy(&buf));
    }
}
