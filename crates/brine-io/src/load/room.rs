//! The buffer an envelope is read into; a large one of known length gets a
//! memory mapping of its own, backed by huge pages where the system gives
//! them on request.
//!
//! Reading an envelope writes every byte of a new buffer, and the kernel
//! backs new memory one 4 KiB page at a time, a page fault each. On the
//! virtual machine of docs/BENCHMARKS.md the 2,048 faults of an 8 MB buffer
//! cost a load from a file more than decoding it did. In a range advised
//! `MADV_HUGEPAGE`, Linux backs 2 MiB at a fault when transparent huge pages
//! are set to `madvise` (the default of many distributions) or `always`; set
//! to `never`, the advice changes nothing.
//!
//! The advice is given to a mapping made for the buffer, not to memory the
//! allocator hands out: it ends with the buffer and never reaches what the
//! program allocates later. Where THP's `defrag` setting is `madvise` (a
//! common default), a fault in an advised range may compact memory on the
//! spot to find a huge page: on a host whose memory is fragmented that can
//! cost more than the faults it saves, and `defrag` set to `defer` (or THP
//! to `never`) keeps such loads on 4 KiB pages. Elsewhere than Linux, and
//! when the mapping can't be made, the buffer is a `Vec`.
//!
//! Every read goes through [`Truthful`], so that a reader claiming more
//! bytes than it had room for is an error, not a panic nor bytes never
//! written.

use std::io::{self, Read};

/// Buffers this large or larger are mapped: two huge pages or more, enough
/// faults saved to pay for the mapping's system calls (`mmap`, `madvise`,
/// `munmap`).
#[cfg(target_os = "linux")]
const MAPPED_FROM: usize = 4 << 20;

/// Room for the bytes of one envelope.
pub(super) enum Room {
    Heap(Vec<u8>),
    #[cfg(target_os = "linux")]
    Mapped(mapped::Mapping),
}

impl Room {
    /// Room for exactly `len` bytes, which never grows: a mapping when
    /// large (on Linux), else a `Vec`. An error when the room can't be had.
    pub(super) fn exact(len: u64) -> io::Result<Room> {
        let len = fits(len)?;
        #[cfg(target_os = "linux")]
        if len >= MAPPED_FROM
            && let Some(mapping) = mapped::Mapping::new(len)
        {
            return Ok(Room::Mapped(mapping));
        }
        Self::heap(len)
    }

    /// Room for `capacity` bytes to start with, which grows as bytes come.
    pub(super) fn growing(capacity: u64) -> io::Result<Room> {
        Self::heap(fits(capacity)?)
    }

    fn heap(capacity: usize) -> io::Result<Room> {
        let mut vec = Vec::new();
        vec.try_reserve_exact(capacity).map_err(|_| out_of_memory(capacity as u64))?;
        Ok(Room::Heap(vec))
    }

    /// Appends `bytes`, which must fit in the room left.
    pub(super) fn push(&mut self, bytes: &[u8]) {
        match self {
            Room::Heap(vec) => vec.extend_from_slice(bytes),
            #[cfg(target_os = "linux")]
            Room::Mapped(mapping) => mapping.push(bytes),
        }
    }

    /// Appends what `reader` gives until it ends or `limit` bytes came
    /// (into room that never grows, no more than the room left); returns
    /// how many came.
    pub(super) fn fill(&mut self, reader: impl Read, limit: u64) -> io::Result<u64> {
        match self {
            Room::Heap(vec) => reader.take(limit).read_to_end(vec).map(|got| got as u64),
            #[cfg(target_os = "linux")]
            Room::Mapped(mapping) => mapping.fill(reader, limit),
        }
    }

    /// The bytes appended so far.
    pub(super) fn as_slice(&self) -> &[u8] {
        match self {
            Room::Heap(vec) => vec,
            #[cfg(target_os = "linux")]
            Room::Mapped(mapping) => mapping.filled(),
        }
    }
}

/// `len` as a size this machine can hold.
fn fits(len: u64) -> io::Result<usize> {
    usize::try_from(len).ok().filter(|&len| len <= isize::MAX as usize).ok_or_else(|| out_of_memory(len))
}

fn out_of_memory(len: u64) -> io::Error {
    io::Error::new(io::ErrorKind::OutOfMemory, format!("no memory for the {len} bytes of the envelope"))
}

/// A reader whose counts are checked: one that says it read more bytes
/// than the buffer it was given holds (a broken `Read` impl) gives an error,
/// where `read_to_end` would panic and a loop of ours would take bytes
/// never written.
pub(super) struct Truthful<R>(pub(super) R);

impl<R: Read> Read for Truthful<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        if n > buf.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the reader said it read {n} bytes into a buffer of {}", buf.len()),
            ));
        }
        Ok(n)
    }
}

#[cfg(target_os = "linux")]
mod mapped {
    use std::io::{self, Read};

    use memmap2::{Advice, MmapMut};

    /// The size of a huge page on x86-64 and most of aarch64's kernels; on
    /// another size the advice only covers less.
    const HUGE: usize = 2 << 20;

    /// A private anonymous mapping whose bytes start at a huge page's
    /// boundary, advised `MADV_HUGEPAGE`, unmapped on drop.
    pub(in crate::load) struct Mapping {
        map: MmapMut,
        /// Where the bytes start in the mapping (at a huge page's
        /// boundary), how many fit, how many were appended.
        start: usize,
        capacity: usize,
        len: usize,
    }

    impl Mapping {
        /// Room for `capacity` bytes, or `None` when the kernel refuses
        /// the mapping.
        pub(super) fn new(capacity: usize) -> Option<Mapping> {
            // a huge page of slack to align the start, and the end rounded
            // up so that the last huge page lies inside the mapping too
            let advised = capacity.checked_next_multiple_of(HUGE)?;
            let map = MmapMut::map_anon(advised.checked_add(HUGE)?).ok()?;
            let address = map.as_ptr() as usize;
            let start = address.next_multiple_of(HUGE) - address;
            // memmap2 checks the offset and the length each against the
            // mapping's length, not their sum: this range is in it by the above
            debug_assert!(start + advised <= map.len());
            // a hint: refused (a kernel without transparent huge pages),
            // the mapping works as any other
            let _ = map.advise_range(Advice::HugePage, start, advised);
            Some(Mapping { map, start, capacity, len: 0 })
        }

        /// The room not written yet.
        fn spare(&mut self) -> &mut [u8] {
            let (from, to) = (self.start + self.len, self.start + self.capacity);
            self.map.get_mut(from..to).unwrap_or_default()
        }

        pub(super) fn filled(&self) -> &[u8] {
            self.map.get(self.start..self.start + self.len).unwrap_or_default()
        }

        pub(super) fn push(&mut self, bytes: &[u8]) {
            let n = bytes.len().min(self.spare().len());
            self.spare()[..n].copy_from_slice(&bytes[..n]);
            self.len += n;
        }

        pub(super) fn fill(&mut self, mut reader: impl Read, limit: u64) -> io::Result<u64> {
            let want = usize::try_from(limit).unwrap_or(usize::MAX).min(self.spare().len());
            let mut got = 0;
            while got < want {
                match reader.read(&mut self.spare()[got..want]) {
                    Ok(0) => break,
                    Ok(n) => got += n.min(want - got),
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    Err(error) => return Err(error),
                }
            }
            self.len += got;
            Ok(got as u64)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// The `VmFlags` of the mapping of /proc/self/smaps that holds `addr`.
        fn flags_at(addr: usize) -> Option<String> {
            let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
            let mut inside = false;
            for line in smaps.lines() {
                if let Some((range, _)) = line.split_once(' ')
                    && let Some((from, to)) = range.split_once('-')
                    && let (Ok(from), Ok(to)) =
                        (usize::from_str_radix(from, 16), usize::from_str_radix(to, 16))
                {
                    inside = (from..to).contains(&addr);
                } else if inside && let Some(flags) = line.strip_prefix("VmFlags:") {
                    return Some(flags.trim().to_owned());
                }
            }
            None
        }

        #[test]
        fn a_mapping_starts_on_a_huge_page_is_advised_and_goes_on_drop() {
            let mut mapping = Mapping::new(5 << 20).expect("a 5 MiB mapping");
            let start = mapping.map.as_ptr() as usize + mapping.start;
            assert_eq!(start % HUGE, 0, "the bytes start on a huge page's boundary");
            let flags = flags_at(start).expect("the mapping is listed");
            // a kernel built without transparent huge pages refuses the advice
            if std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
                assert!(flags.split(' ').any(|flag| flag == "hg"), "advised MADV_HUGEPAGE: {flags}");
            }
            mapping.push(b"head");
            let body = vec![7u8; 5 << 20];
            // capped by the room left: 5 MiB less the 4 bytes pushed
            assert_eq!(mapping.fill(body.as_slice(), u64::MAX).unwrap(), (5 << 20) - 4);
            assert_eq!(&mapping.filled()[..4], b"head");
            assert!(mapping.filled()[4..].iter().all(|&byte| byte == 7));
            drop(mapping);
            assert_eq!(flags_at(start), None, "unmapped on drop");
        }

        #[test]
        fn fill_stops_at_the_limit_and_at_the_end_of_the_reader() {
            let mut mapping = Mapping::new(4 << 20).expect("a 4 MiB mapping");
            assert_eq!(mapping.fill(&[1u8; 100][..], 10).unwrap(), 10);
            assert_eq!(mapping.fill(&[2u8; 100][..], u64::MAX).unwrap(), 100);
            assert_eq!(mapping.filled().len(), 110);
            assert_eq!(mapping.filled()[9..11], [1, 2]);
        }
    }
}
