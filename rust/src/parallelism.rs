//! How the core spreads batch work over threads: the one place that decides it, so that no
//! caller picks thread counts of its own.

/// Batches smaller than this run on the calling thread: below it, starting threads costs more
/// than it saves.
pub const PARALLEL_FROM: usize = 512;
/// The most threads one batch uses.
pub const MAX_THREADS: usize = 4;

/// How many threads a batch of `items` uses.
pub fn threads_for(items: usize) -> usize {
    if items < PARALLEL_FROM {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
    }
}

/// `work(offset, chunk)` over consecutive chunks of `items`, on as many threads as
/// [`threads_for`] says; the results in the order of the chunks.
pub fn map_chunks<T: Sync, R: Send>(items: &[T], work: impl Fn(usize, &[T]) -> R + Sync) -> Vec<R> {
    let threads = threads_for(items.len());
    let chunk = items.len().div_ceil(threads).max(1);
    if threads == 1 {
        return vec![work(0, items)];
    }
    std::thread::scope(|scope| {
        let work = &work;
        let workers: Vec<_> = items.chunks(chunk).enumerate().map(|(n, part)| scope.spawn(move || work(n * chunk, part))).collect();
        workers.into_iter().map(|w| w.join().expect("a batch worker panicked")).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_item_once_in_order() {
        for len in [0, 1, 511, 512, 513, 10_000] {
            let items: Vec<usize> = (0..len).collect();
            let seen: Vec<usize> =
                map_chunks(&items, |offset, part| part.iter().enumerate().map(|(k, &v)| (offset + k, v)).collect::<Vec<_>>())
                    .into_iter()
                    .flatten()
                    .map(|(position, value)| {
                        assert_eq!(position, value);
                        value
                    })
                    .collect();
            assert_eq!(seen, items);
        }
    }
}
