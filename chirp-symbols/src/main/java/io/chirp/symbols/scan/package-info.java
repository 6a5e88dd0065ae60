/**
 * Bounded access to raw guest-physical memory for the symbol readers: a chunked pattern scanner (one pass of
 * bulk copies, never byte-by-byte reads through the source) and {@link io.chirp.symbols.scan.GuestWindow},
 * a bounds-checked little-endian view of one region.
 *
 * <p>Every read through a window is checked against the window: a hostile count or pointer ends as a
 * {@link io.chirp.core.ChirpException.Kind#CORRUPT} error, never as an out-of-bounds read or a huge allocation.
 */
package io.chirp.symbols.scan;
