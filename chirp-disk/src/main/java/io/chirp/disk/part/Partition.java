package io.chirp.disk.part;

import io.chirp.disk.block.BlockSource;

/**
 * One partition.
 *
 * @param index  1-based, in table order (logical MBR partitions from 5, as Linux numbers them)
 * @param scheme MBR or GPT
 * @param start  first byte
 * @param length length in bytes
 * @param type   MBR type byte as hex ("83") or GPT type GUID
 * @param name   GPT partition name, "" for MBR
 */
public record Partition(int index, Scheme scheme, long start, long length, String type, String name) {
    /** The partitioning scheme. */
    public enum Scheme { MBR, GPT }

    /** {@return the partition as a window on {@code disk}} */
    public BlockSource open(BlockSource disk) { return disk.slice(start, length, "partition " + index); }
}
