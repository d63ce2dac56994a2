//! The service allocates with mimalloc (declared in `main.rs`, and in the benchmark's bare
//! handler so that its ceiling is like for like): it spends less CPU per request than glibc's
//! malloc (docs/performance.md).
//!
//! mimalloc reserves memory in large aligned ranges. Backed by transparent huge pages, every
//! 2 MiB it touches becomes resident and the RSS doubles. The crate's `no_thp` feature stops
//! mimalloc asking for huge pages; a kernel that gives them to every process unasked
//! (`enabled = always`) is refused below.

/// Keeps this process's memory in small pages. Errors are ignored: without it the process
/// only uses more memory. Child processes inherit the flag, the embedded PostgreSQL among
/// them; it never asks for transparent huge pages, so only a kernel set to `always` would
/// have given it any.
pub fn refuse_transparent_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a flag of this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_is_marked_to_refuse_huge_pages() {
        refuse_transparent_huge_pages();
        // SAFETY: PR_GET_THP_DISABLE only reads this process's flag.
        let disabled = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
        assert_eq!(disabled, 1);
    }
}
