package io.chirp.disk.block;

/**
 * How to read an image file. {@link #AUTO} recognises qcow2 by its magic and reads anything else as raw; a disk
 * taken from a guest must be read as {@link #RAW}, because the guest chose its content and may have written a qcow2
 * header onto it.
 */
public enum ImageFormat { AUTO, RAW, QCOW2 }
