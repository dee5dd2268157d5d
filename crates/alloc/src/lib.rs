//! The global allocator of the `mailway` binary: mimalloc (v2).
//!
//! The `mimalloc` crate's allocator calls `mi_malloc_aligned` for every allocation, whose
//! alignment checks cost a few instructions each time; the bounce analysis makes hundreds of
//! thousands of small allocations. Rust asks for an alignment of at most 8 bytes for almost
//! all of them (strings, vectors of bytes, words and pointers), and every mimalloc block is
//! aligned to at least 8 bytes, so those go through plain `mi_malloc` / `mi_realloc` /
//! `mi_zalloc`; a larger alignment still goes through the `_aligned` calls.
//!
//! This is the workspace's one crate with `unsafe` code: the [`GlobalAlloc`] contract.
#![no_std]

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;

use libmimalloc_sys as ffi;

/// The alignment every mimalloc block has whatever its size: blocks come in multiples of
/// the machine word from word-aligned pages (`MI_INTPTR_SIZE`).
const PLAIN_ALIGN: usize = core::mem::size_of::<usize>();

/// mimalloc as the global allocator (`#[global_allocator] static A: Mimalloc = Mimalloc;`).
pub struct Mimalloc;

#[allow(unsafe_code)]
// SAFETY (whole impl): mimalloc returns either null or a block of at least the requested
// size; plain calls are used only when the layout's alignment is at most PLAIN_ALIGN, which
// every mimalloc block satisfies, otherwise the `_aligned` calls honour the alignment;
// `mi_free` / `mi_realloc*` accept any pointer mimalloc returned.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            unsafe { ffi::mi_malloc(layout.size()) as *mut u8 }
        } else {
            unsafe { ffi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8 }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            unsafe { ffi::mi_zalloc(layout.size()) as *mut u8 }
        } else {
            unsafe { ffi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8 }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        unsafe { ffi::mi_free(ptr as *mut c_void) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            unsafe { ffi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8 }
        } else {
            unsafe {
                ffi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    /// The test binary itself runs on this allocator (the harness, the strings below).
    #[global_allocator]
    static GLOBAL: Mimalloc = Mimalloc;

    /// Every size and alignment comes back aligned, writable, zeroed when asked, and keeps its
    /// contents when resized.
    #[test]
    #[allow(unsafe_code)]
    fn alignment_contents_and_zeroing() {
        let a = Mimalloc;
        for align in [1usize, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [
                1usize, 3, 7, 8, 9, 15, 16, 17, 24, 40, 100, 1000, 5000, 70_000,
            ] {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: non-zero sizes; every pointer is used within its layout and freed
                // once, with the layout it was last given
                unsafe {
                    let z = a.alloc_zeroed(layout);
                    assert!(!z.is_null());
                    assert_eq!(z as usize % align, 0, "zeroed {size}/{align}");
                    assert!(core::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                    a.dealloc(z, layout);
                    for new_size in [size / 2 + 1, size * 3] {
                        let p = a.alloc(layout);
                        assert!(!p.is_null());
                        assert_eq!(p as usize % align, 0, "{size}/{align}");
                        for i in 0..size {
                            *p.add(i) = i as u8;
                        }
                        let q = a.realloc(p, layout, new_size);
                        assert!(!q.is_null());
                        assert_eq!(q as usize % align, 0, "{size}/{align} -> {new_size}");
                        assert!((0..size.min(new_size)).all(|i| *q.add(i) == i as u8));
                        a.dealloc(q, Layout::from_size_align(new_size, align).unwrap());
                    }
                }
            }
        }
    }

    /// Many live blocks of the sizes strings and vectors use stay distinct and intact.
    #[test]
    fn many_small_blocks() {
        let mut blocks: Vec<String> = (0..20_000).map(|i| "x".repeat(i % 70 + 1)).collect();
        for (i, b) in blocks.iter_mut().enumerate() {
            if i % 3 == 0 {
                b.push_str("grown past its first block");
            }
        }
        for (i, b) in blocks.iter().enumerate() {
            let base = i % 70 + 1;
            assert!(b.starts_with(&"x".repeat(base)));
            assert_eq!(b.len(), base + if i % 3 == 0 { 26 } else { 0 });
        }
    }
}
