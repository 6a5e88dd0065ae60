/**
 * The guest-OS seam: what an operating system implementation gives CHIRP, so that a new OS plugs in beside Linux
 * without touching the memory ({@code io.chirp.core}, {@code io.chirp.paging}), hypervisor or event layers.
 *
 * <pre>
 *   VM or image ──► PhysicalMemory + CpuState ──► GuestOses.attach ──► GuestOs.detect (each installed OS)
 *                                                                   └► GuestOs.attach ──► Guest ──► as(OS model) ──► views
 * </pre>
 *
 * <p>An implementation is a {@link io.chirp.guest.GuestOs} listed in {@code META-INF/services/io.chirp.guest.GuestOs}
 * of its module's jar; {@link io.chirp.guest.GuestOses} finds it with {@link java.util.ServiceLoader}. Linux is
 * {@code io.chirp.linux.LinuxGuestOs} in chirp-linux: detection by the {@code "Linux version "} banner inside the
 * kernel image that vCPU state (or the startup_64 signature) points at; attach by kallsyms and BTF found in memory;
 * its build differences resolved once in {@code KernelFeatures}. {@code chirp linux ...} attaches through here.
 *
 * <h2>What a Windows implementation provides</h2>
 * A {@code chirp-windows} module, with nothing changed below it:
 * <ul>
 *   <li><b>{@code detect}</b>: the PE image of the kernel ({@code ntoskrnl.exe}): from vCPU state, the handler of
 *       interrupt vector 0 ({@code KiDivideErrorFault}) or {@code IA32_LSTAR} ({@code KiSystemCall64}) lies inside it;
 *       scan down from there, page by page, for an {@code MZ} header whose PE header names a machine of AMD64 and
 *       whose export directory names {@code ntoskrnl.exe}. Without vCPU state: the same header found by a bounded
 *       scan of physical memory, or the {@code KDBG} block. Evidence: "ntoskrnl.exe at physical 0x..., PDB GUID ...".</li>
 *   <li><b>{@code attach}</b>: the kernel's symbols and types from a Volatility 3 ISF made from Microsoft's PDB for
 *       exactly this build: the PE's CodeView debug entry ({@code RSDS}: GUID, age, {@code ntkrnlmp.pdb}) names the
 *       file ({@code windows/ntkrnlmp.pdb/GUIDAGE-*.json.xz}, as Volatility names it), read by the existing
 *       {@code io.chirp.symbols.isf.IsfReader} into the same {@code KernelSymbols} and {@code TypeModel} Linux uses.
 *       Windows keeps no BTF: a symbol file is needed, and a missing one is a NOT_FOUND naming the GUID to fetch.
 *       KASLR: the slide is the image base found by {@code detect} minus the ISF's link-time base. Page tables: the
 *       directory table base from {@code CR3} or, in an image, from the {@code KPROCESS.DirectoryTableBase} of the
 *       {@code System} process ({@code PsInitialSystemProcess}); the x86-64 walker of {@code io.chirp.paging} as is.</li>
 *   <li><b>{@link io.chirp.guest.Guest#capabilities}</b>: the build number ({@code NtBuildNumber}), and what differs
 *       between builds that the views need (where {@code EPROCESS.ActiveProcessLinks} is, whether handle tables use
 *       the Windows 8+ layout, whether the {@code _HANDLE_TABLE_ENTRY} object pointer is shifted), resolved once.</li>
 *   <li><b>views</b>, each against {@link io.chirp.guest.GuestView}: PROCESSES ({@code PsActiveProcessHead} through
 *       {@code EPROCESS.ActiveProcessLinks}, command lines from the PEB in each process's own address space), MODULES
 *       ({@code PsLoadedModuleList} of {@code KLDR_DATA_TABLE_ENTRY}), SOCKETS ({@code tcpip.sys} partition and
 *       endpoint tables), OPEN_FILES (handle tables of type File), MEMORY_MAPS (the VAD tree), KERNEL_LOG has no
 *       equivalent (left out of {@code views()}), INTEGRITY (SSDT {@code KiServiceTable}, IDT, driver IRP tables),
 *       SYMBOL_EXPORT (not needed: the ISF came from outside). Every walk bounded and cycle-checked like Linux's.</li>
 *   <li>Events: the views' rows map onto the OCSF classes the Linux views already produce (process activity, module
 *       activity, network activity), so the monitor, Sigma detection and sinks take them unchanged.</li>
 * </ul>
 */
package io.chirp.guest;
