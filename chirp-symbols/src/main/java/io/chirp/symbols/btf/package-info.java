/**
 * BTF (the kernel's BPF Type Format) found in guest memory and parsed into the {@link io.chirp.symbols.types}
 * model.
 *
 * <pre>
 *   BtfScanner: scan for 9f eb 01 00 18 00 00 00 ──► BtfHeader sanity ──► BtfBlob candidates
 *        ──► biggest blob that parses completely = vmlinux BTF ──► BtfParser ──► TypeModel
 *   module BTF (split): BtfParser.parseSplit(blob, vmlinux) ──► TypeModel with ids after vmlinux's
 * </pre>
 *
 * The vmlinux BTF sits unrelocated in the kernel image (.BTF), the same bytes as /sys/kernel/btf/vmlinux; module
 * BTF copies sit in module memory. The format is documented in the kernel's Documentation/bpf/btf.rst.
 */
package io.chirp.symbols.btf;
