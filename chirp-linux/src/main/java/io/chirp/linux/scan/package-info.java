/**
 * Scanning guest memory with YARA: {@link io.chirp.linux.scan.Yara} binds the real libyara (FFM, rules compiled
 * once, scans bounded by a timeout and a match cap), {@link io.chirp.linux.scan.MemoryScan} feeds it process VMAs
 * (through each process's page tables) and kernel module memory, and places every match at its guest address.
 *
 * <pre>
 *   rules file -> Yara.compile (libyara) --+
 *   LinuxProcess -> MemoryMaps -> VMA bytes -+-> Yara.scan -> Match (rule, string, offset) -> Hit (pid, VMA, address)
 *   Modules -> module core memory ----------+
 * </pre>
 */
package io.chirp.linux.scan;
