//! Pages of same-size blocks for the collector's small objects (`gc::Heap`).
//!
//! Programs make and drop millions of small objects, and the collector frees
//! them in bursts. Each page holds blocks of one size class and a bitmap of
//! its free blocks: allocating clears the first set bit, freeing sets one,
//! and neither reads the block itself. (A free list pops a block by reading
//! its link: once the collector has freed thousands of blocks, that is a
//! cache miss on every allocation. perf showed glibc's `_int_malloc` spending
//! two thirds of its time on that load in binary-trees.) A fresh page, or one
//! the collector emptied, hands out its blocks in address order.
//!
//! Pages are aligned to their size, so a block's page is its address rounded
//! down. They are carved from chunks of `CHUNK_PAGES` pages (untouched pages
//! cost no resident memory). After each sweep, `tidy` takes the pages whose
//! blocks are all free away from their size class, for any class to reuse.
//! Chunks go back to the system when the heap is dropped.

use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::ptr::{self, NonNull};

/// Bytes in a page, and its alignment.
const PAGE_SIZE: usize = 16 * 1024;
/// Pages in a chunk (the unit asked of the system).
const CHUNK_PAGES: usize = 64;
/// Block sizes are multiples of this (and blocks are aligned to it).
pub(crate) const GRANULE: usize = 8;
/// Largest block a page holds; bigger objects are boxed.
pub(crate) const MAX_BLOCK: usize = 256;
const CLASSES: usize = MAX_BLOCK / GRANULE;
/// Blocks in a page at most (the bitmap's length; 16-byte blocks fill a page).
const MAX_BLOCKS: usize = 1024;
const BITMAP_WORDS: usize = MAX_BLOCKS / 64;

/// A page's header, at its start; the blocks follow from `FIRST_BLOCK`.
#[repr(C)]
struct Page {
    /// Bit `i` set: block `i` is free.
    free_bits: [u64; BITMAP_WORDS],
    /// The next page of the same class with free blocks (when `listed`).
    next: *mut Page,
    block_size: u32,
    /// `2^32 / block_size`, rounded up: a block's index is its offset times
    /// this, shifted right by 32 (exact for offsets below `PAGE_SIZE`).
    reciprocal: u32,
    free_count: u32,
    /// Blocks in the page.
    capacity: u32,
    /// No bitmap word below this one has a set bit.
    cursor: u32,
    /// The page is in its class's list of pages with free blocks.
    listed: bool,
}

/// Offset of the first block: past the header, aligned for any block.
const FIRST_BLOCK: usize = (std::mem::size_of::<Page>() + 15) & !15;

const _: () = {
    assert!(PAGE_SIZE.is_power_of_two());
    assert!((PAGE_SIZE - FIRST_BLOCK) / 16 <= MAX_BLOCKS);
    assert!(MAX_BLOCKS.is_multiple_of(64));
    // The reciprocal's rounding error times the largest offset stays below
    // 2^32 / block_size, which makes the multiplication exact.
    assert!(PAGE_SIZE * MAX_BLOCK * MAX_BLOCK < 1 << 32);
};

/// The allocator of small collectable objects.
pub(crate) struct Pool {
    /// Per class, the first page with free blocks (null if none).
    available: [*mut Page; CLASSES],
    /// Every page handed to a class, in the order carved.
    pages: Vec<NonNull<Page>>,
    /// Pages with no blocks in use, not in any class (see `tidy`).
    empty: Vec<NonNull<Page>>,
    /// The unused rest of the last chunk: `fresh_left` pages from `fresh`.
    fresh: *mut u8,
    fresh_left: usize,
    /// Every chunk, to give back when the pool is dropped.
    chunks: Vec<NonNull<u8>>,
}

impl Default for Pool {
    fn default() -> Pool {
        Pool {
            available: [ptr::null_mut(); CLASSES],
            pages: Vec::new(),
            empty: Vec::new(),
            fresh: ptr::null_mut(),
            fresh_left: 0,
            chunks: Vec::new(),
        }
    }
}

/// The size class of blocks of `size` bytes (1..=MAX_BLOCK).
#[inline(always)]
fn class_of(size: usize) -> usize {
    debug_assert!(size > 0 && size <= MAX_BLOCK);
    (size - 1) / GRANULE
}

fn chunk_layout() -> Layout {
    // PAGE_SIZE is a power of two and the size far from overflowing.
    Layout::from_size_align(PAGE_SIZE * CHUNK_PAGES, PAGE_SIZE).expect("chunk layout")
}

impl Pool {
    /// A block of at least `size` bytes (at most `MAX_BLOCK`), aligned to
    /// `GRANULE`. Aborts, as `Box::new` does, when the system has no memory.
    #[inline]
    pub(crate) fn alloc(&mut self, size: usize) -> NonNull<u8> {
        let class = class_of(size);
        let mut page = self.available[class];
        if page.is_null() {
            page = self.new_page(class);
        }
        // A listed page has free blocks: a set bit lies at or after `cursor`.
        // SAFETY: `page` is a live page of this pool, its header unshared.
        unsafe {
            let p = &mut *page;
            let mut w = p.cursor as usize;
            while p.free_bits[w] == 0 {
                w += 1;
            }
            let bits = p.free_bits[w];
            p.free_bits[w] = bits & (bits - 1);
            p.cursor = w as u32;
            p.free_count -= 1;
            if p.free_count == 0 {
                self.available[class] = p.next;
                p.next = ptr::null_mut();
                p.listed = false;
            }
            let index = w * 64 + bits.trailing_zeros() as usize;
            let offset = FIRST_BLOCK + index * p.block_size as usize;
            NonNull::new_unchecked(page.cast::<u8>().add(offset))
        }
    }

    /// Gives back a block from `alloc`.
    ///
    /// # Safety
    /// `block` came from this pool's `alloc` and was not freed since; nothing
    /// uses it afterwards.
    #[inline]
    pub(crate) unsafe fn free(&mut self, block: NonNull<u8>) {
        let offset = block.as_ptr() as usize % PAGE_SIZE;
        // The block came from `alloc` (caller's guarantee), so its page's
        // header starts `offset` bytes back (pages are `PAGE_SIZE`-aligned).
        // SAFETY: that header is a live page's, unshared (`&mut self`).
        unsafe {
            let page = block.as_ptr().sub(offset).cast::<Page>();
            let p = &mut *page;
            let index = (((offset - FIRST_BLOCK) as u64 * p.reciprocal as u64) >> 32) as usize;
            debug_assert_eq!(index, (offset - FIRST_BLOCK) / p.block_size as usize);
            let w = index / 64;
            debug_assert_eq!(p.free_bits[w] & (1 << (index % 64)), 0, "block freed twice");
            p.free_bits[w] |= 1 << (index % 64);
            p.cursor = p.cursor.min(w as u32);
            p.free_count += 1;
            if !p.listed {
                let class = class_of(p.block_size as usize);
                p.listed = true;
                p.next = self.available[class];
                self.available[class] = page;
            }
        }
    }

    /// Pages in use by a class or kept empty (for tests).
    #[cfg(test)]
    fn page_count(&self) -> usize {
        self.pages.len() + self.empty.len()
    }

    /// Takes the pages with no block in use out of their classes (into
    /// `empty`, for any class to reuse), and relists the others with free
    /// blocks in address order. Called after a sweep.
    pub(crate) fn tidy(&mut self) {
        self.available = [ptr::null_mut(); CLASSES];
        let mut tails: [*mut Page; CLASSES] = [ptr::null_mut(); CLASSES];
        let empty = &mut self.empty;
        let available = &mut self.available;
        self.pages.retain(|&page| {
            // SAFETY: a live page of this pool; the pool is borrowed mutably,
            // so no other reference to its header exists.
            let p = unsafe { &mut *page.as_ptr() };
            p.next = ptr::null_mut();
            p.listed = false;
            if p.free_count == p.capacity {
                empty.push(page);
                return false;
            }
            if p.free_count > 0 {
                let class = class_of(p.block_size as usize);
                p.listed = true;
                let tail = tails[class];
                if tail.is_null() {
                    available[class] = page.as_ptr();
                } else {
                    // SAFETY: `tail` is another live page of this pool.
                    unsafe { (*tail).next = page.as_ptr() };
                }
                tails[class] = page.as_ptr();
            }
            true
        });
    }

    /// Memory for a page: an empty one, or the next of a chunk.
    fn take_page(&mut self) -> NonNull<Page> {
        if let Some(page) = self.empty.pop() {
            return page;
        }
        if self.fresh_left == 0 {
            self.chunks.reserve(1);
            // SAFETY: the layout has a non-zero size.
            let raw = unsafe { alloc(chunk_layout()) };
            let Some(chunk) = NonNull::new(raw) else {
                handle_alloc_error(chunk_layout())
            };
            self.chunks.push(chunk);
            self.fresh = raw;
            self.fresh_left = CHUNK_PAGES;
        }
        let page = self.fresh.cast::<Page>();
        // SAFETY: `fresh_left` pages remain from `fresh` in the last chunk.
        self.fresh = unsafe { self.fresh.add(PAGE_SIZE) };
        self.fresh_left -= 1;
        // SAFETY: `fresh` was inside a chunk, never null.
        unsafe { NonNull::new_unchecked(page) }
    }

    /// A new page for `class`, listed as its class's first page with free
    /// blocks.
    #[cold]
    fn new_page(&mut self, class: usize) -> *mut Page {
        let block_size = (class + 1) * GRANULE;
        let blocks = ((PAGE_SIZE - FIRST_BLOCK) / block_size).min(MAX_BLOCKS);
        let mut free_bits = [0u64; BITMAP_WORDS];
        for (w, word) in free_bits.iter_mut().enumerate() {
            let first = w * 64;
            if first < blocks {
                let n = (blocks - first).min(64);
                *word = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
            }
        }
        self.pages.reserve(1);
        let page = self.take_page();
        // SAFETY: `PAGE_SIZE` bytes no block lives in, aligned for `Page`.
        unsafe {
            page.as_ptr().write(Page {
                free_bits,
                next: self.available[class],
                block_size: block_size as u32,
                reciprocal: ((1u64 << 32) / block_size as u64 + 1) as u32,
                free_count: blocks as u32,
                capacity: blocks as u32,
                cursor: 0,
                listed: true,
            });
        }
        self.pages.push(page);
        self.available[class] = page.as_ptr();
        page.as_ptr()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        for chunk in self.chunks.drain(..) {
            // SAFETY: each chunk was allocated in `take_page` with this
            // layout and is given back once (drained from the list).
            unsafe { dealloc(chunk.as_ptr(), chunk_layout()) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_distinct_aligned_and_reused() {
        let mut pool = Pool::default();
        let mut seen = std::collections::HashSet::new();
        let blocks: Vec<_> = (0..5000).map(|_| pool.alloc(56)).collect();
        for b in &blocks {
            assert_eq!(b.as_ptr() as usize % GRANULE, 0);
            assert!(seen.insert(b.as_ptr() as usize), "block handed out twice");
        }
        let pages = pool.page_count();
        for b in &blocks {
            // SAFETY: each block came from `alloc` and is freed once.
            unsafe { pool.free(*b) };
        }
        for _ in 0..5000 {
            let b = pool.alloc(56);
            assert!(
                seen.contains(&(b.as_ptr() as usize)),
                "freed blocks not reused"
            );
        }
        assert_eq!(pool.page_count(), pages);
    }

    #[test]
    fn tidy_gives_empty_pages_to_other_classes() {
        let mut pool = Pool::default();
        let blocks: Vec<_> = (0..3000).map(|_| pool.alloc(64)).collect();
        let kept = pool.alloc(64);
        for b in &blocks {
            // SAFETY: each block came from `alloc` and is freed once.
            unsafe { pool.free(*b) };
        }
        let pages = pool.page_count();
        pool.tidy();
        assert!(pool.empty.len() + 1 >= pages, "emptied pages not set apart");
        // Another class now takes those pages instead of new ones.
        let others: Vec<_> = (0..2000).map(|_| pool.alloc(32)).collect();
        assert_eq!(pool.page_count(), pages);
        // The page still in use kept its class and its live block.
        let again = pool.alloc(64);
        assert_ne!(again, kept);
        assert_eq!(
            again.as_ptr() as usize / PAGE_SIZE,
            kept.as_ptr() as usize / PAGE_SIZE
        );
        for b in others.iter().chain([&kept, &again]) {
            // SAFETY: each block came from `alloc` and is freed once.
            unsafe { pool.free(*b) };
        }
    }

    #[test]
    fn every_class_fills_its_pages() {
        let mut pool = Pool::default();
        for size in (GRANULE..=MAX_BLOCK).step_by(GRANULE) {
            let blocks: Vec<_> = (0..300).map(|_| pool.alloc(size)).collect();
            for w in blocks.windows(2) {
                let (a, b) = (w[0].as_ptr() as usize, w[1].as_ptr() as usize);
                // Within a page, blocks come in address order, `size` apart.
                if a / PAGE_SIZE == b / PAGE_SIZE {
                    assert_eq!(b - a, size);
                }
            }
            for b in blocks.iter().rev() {
                // SAFETY: each block came from `alloc` and is freed once.
                unsafe { pool.free(*b) };
            }
        }
    }
}
