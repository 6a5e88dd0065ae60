/**
 * The kernel log (dmesg), read from the printk ring buffer in guest memory.
 *
 * <pre>
 *   prb -> printk_ringbuffer
 *            desc_ring: descs[id &amp; mask] (state_var = state | id, text_blk_lpos), infos[] (seq, ts_nsec, level)
 *            text_data_ring: blocks { id; text } addressed by logical positions that wrap
 *   KernelLog: bulk copy, keep records whose descriptor and block agree on the id, re-check after the copy
 * </pre>
 */
package io.chirp.linux.log;
