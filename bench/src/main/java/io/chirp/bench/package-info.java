/**
 * CHIRP's benchmarks. Every figure is reported as a ratio against a baseline measured in the same run on the
 * same machine (a plain memory copy, QEMU's own dump, a bare JVM start), because absolute times on a shared
 * 2-core machine say little. {@code bench/run} runs them and writes {@code bench/reports/*.md}.
 */
package io.chirp.bench;
