//! Reading access logs: plain or gzip (by magic bytes, whatever the file is called), line by line,
//! or parsed on all cores and delivered in order.

use anyhow::{anyhow, Context, Result};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};

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
        match std::str::from_utf8(&buf) {
            Ok(line) => f(line),
            Err(_) => f(&String::from_utf8_lossy(&buf)),
        }
    }
}

/// Lines handed to a parsing thread at a time, at most (and at most [`BATCH_BYTES`] of them, so
/// that a log of long lines keeps a bounded amount in flight).
const BATCH: usize = 1024;
const BATCH_BYTES: usize = 1 << 20;

/// Lines read but not parsed yet, in one buffer.
#[derive(Default)]
struct Batch {
    text: String,
    ends: Vec<usize>,
}

impl Batch {
    fn push(&mut self, line: &str) {
        self.text.push_str(line);
        self.ends.push(self.text.len());
    }

    fn lines(&self) -> impl Iterator<Item = &str> {
        self.ends.iter().scan(0, |start, &end| Some(self.text.get(std::mem::replace(start, end)..end).unwrap_or_default()))
    }
}

/// Calls `parse` on every line of `paths` on all cores, and `consume` on each result in log order
/// on this thread: for work whose cost is mostly parsing each line (learning), so that it scales
/// with cores while what consumes the lines stays sequential and deterministic.
pub fn parse_in_parallel<T: Send>(paths: &[PathBuf], parse: impl Fn(&str) -> T + Sync, mut consume: impl FnMut(T)) -> Result<()> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 16);
    let (batch_tx, batch_rx) = mpsc::sync_channel::<(u64, Batch)>(2 * workers);
    let batch_rx = Mutex::new(batch_rx);
    let parse = &parse;
    std::thread::scope(|s| {
        let (done_tx, done_rx) = mpsc::sync_channel::<(u64, Vec<T>)>(2 * workers);
        for _ in 0..workers {
            let (batch_rx, done_tx) = (&batch_rx, done_tx.clone());
            s.spawn(move || loop {
                let next = batch_rx.lock().ok().and_then(|rx| rx.recv().ok());
                let Some((seq, batch)) = next else { return };
                if done_tx.send((seq, batch.lines().map(parse).collect())).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        let reader = s.spawn(move || -> Result<()> {
            let (mut seq, mut batch) = (0u64, Batch::default());
            for path in paths {
                for_each_line(path, |line| {
                    batch.push(line);
                    if batch.ends.len() == BATCH || batch.text.len() >= BATCH_BYTES {
                        // A send fails only when every parser has panicked, which the scope then raises.
                        let _ = batch_tx.send((seq, std::mem::take(&mut batch)));
                        seq += 1;
                    }
                })?;
            }
            if !batch.ends.is_empty() {
                let _ = batch_tx.send((seq, batch));
            }
            Ok(())
        });
        let (mut pending, mut next) = (BTreeMap::new(), 0u64);
        for (seq, parsed) in done_rx {
            pending.insert(seq, parsed);
            while let Some(parsed) = pending.remove(&next) {
                parsed.into_iter().for_each(&mut consume);
                next += 1;
            }
        }
        reader.join().map_err(|_| anyhow!("the log reader stopped"))?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parsed_in_parallel_arrive_in_log_order() {
        let dir = std::env::temp_dir().join(format!("vigil-logs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a.log"), dir.join("b.log"));
        // More lines than a batch, a file that ends without a newline, and an empty line.
        std::fs::write(&a, (0..3 * BATCH + 7).map(|i| format!("{i}\n")).collect::<String>()).unwrap();
        std::fs::write(&b, format!("{}\n\n{}", 3 * BATCH + 7, 3 * BATCH + 8)).unwrap();
        let mut got = Vec::new();
        parse_in_parallel(&[a, b], |line| line.trim().parse::<usize>().ok(), |n| got.push(n)).unwrap();
        let mut want: Vec<Option<usize>> = (0..3 * BATCH + 8).map(Some).collect();
        want.insert(3 * BATCH + 8, None);
        want.push(Some(3 * BATCH + 8));
        assert_eq!(got, want);
        // Long lines make smaller batches; the order holds.
        let c = dir.join("c.log");
        std::fs::write(&c, (0..40).map(|i| format!("{}{i}\n", "0".repeat(100_000))).collect::<String>()).unwrap();
        let mut long = Vec::new();
        parse_in_parallel(&[c], |line| line.trim().parse::<usize>().ok(), |n| long.push(n)).unwrap();
        assert_eq!(long, (0..40).map(Some).collect::<Vec<_>>());
        assert!(parse_in_parallel(&[dir.join("missing.log")], |l| l.len(), |_| ()).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
