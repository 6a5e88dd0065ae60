/**
 * FAT32 read in Java: boot sector, cluster chains (cycle- and length-checked), directories with long names.
 * Inode numbers follow the Sleuth Kit's scheme (directory entry slot address, root = 2), so listings line up
 * with {@code fls} and {@code icat}. FAT stores local time without a zone: CHIRP reports it as UTC.
 */
package io.chirp.disk.fs.fat;
