package io.chirp.symbols.isf;

import io.chirp.core.ChirpException;
import io.chirp.symbols.KernelSymbols;
import io.chirp.symbols.Symbol;
import io.chirp.symbols.types.BtfType;
import io.chirp.symbols.types.TypeModel;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The C types of the kernel data symbols Volatility 3's Linux plugins and CHIRP itself read. kallsyms gives only
 * addresses and vmlinux BTF types only per-CPU variables, yet Volatility's {@code object_from_symbol} needs a type
 * ("Symbol prb has no associated type"). Each entry is checked against the kernel being exported before it is
 * used, because a table written by hand can be wrong for a kernel it was not written for: the type must exist in
 * the BTF, must fit before the next symbol, and what the symbol holds must look like its type.
 *
 * <p>Found by grepping volatility3/framework/plugins/linux and framework/symbols/linux (framework 2.11.0) for
 * {@code object_from_symbol}/{@code get_symbol}, and chirp-linux for its symbol reads. Symbols of older kernels
 * (log_first_idx, pid_hash, nf_hooks, ...) are simply absent from a newer kernel's kallsyms and are skipped.
 */
final class DataSymbols {
    /** What the symbol's value must look like in guest memory. */
    enum Check {
        /** nothing to read: the size and type checks suffice */
        NONE,
        /** an 8-byte pointer into the kernel half of the address space (never NULL for these symbols) */
        POINTER,
        /** a {@code struct list_head} whose next and prev both point into the kernel half */
        LIST_HEAD
    }

    /**
     * One declared symbol type.
     *
     * @param symbol the kernel symbol
     * @param type   a C type: {@code struct x}, {@code union x}, a base type name as BTF spells it
     *               ({@code unsigned int}), prefixed by {@code *} per pointer level, suffixed by {@code [n]} for
     *               an array
     * @param check  how its value is checked in memory
     */
    record Declared(String symbol, String type, Check check) {}

    static final List<Declared> TABLE = List.of(
            // Section bounds, declared in C as "extern char _text[]": Volatility takes their objects' offsets
            // (check_idt, tty_check, netfilter, keyboard_notifiers find the kernel's text range so).
            new Declared("_text", "char[0]", Check.NONE),
            new Declared("_stext", "char[0]", Check.NONE),
            new Declared("_etext", "char[0]", Check.NONE),
            new Declared("_end", "char[0]", Check.NONE),
            // pslist/pstree/psaux/pidhashtable and CHIRP's task walk
            new Declared("init_task", "struct task_struct", Check.NONE),
            new Declared("init_mm", "struct mm_struct", Check.NONE),
            new Declared("init_files", "struct files_struct", Check.NONE),
            new Declared("init_nsproxy", "struct nsproxy", Check.NONE),
            new Declared("init_pid_ns", "struct pid_namespace", Check.NONE),
            new Declared("init_uts_ns", "struct uts_namespace", Check.NONE),
            new Declared("init_cred", "struct cred", Check.NONE),
            // lsmod, check_modules, CHIRP's module list
            new Declared("modules", "struct list_head", Check.LIST_HEAD),
            new Declared("module_kset", "*struct kset", Check.POINTER),
            // sockstat, netfilter, CHIRP's sockets
            new Declared("init_net", "struct net", Check.NONE),
            new Declared("net_namespace_list", "struct list_head", Check.LIST_HEAD),
            new Declared("socket_file_ops", "struct file_operations", Check.NONE),
            new Declared("sockfs_dentry_operations", "struct dentry_operations", Check.NONE),
            new Declared("tcp_hashinfo", "struct inet_hashinfo", Check.NONE),
            new Declared("udp_table", "struct udp_table", Check.NONE),
            // kmsg (printk ring buffer, 5.10+; log_buf for the text)
            new Declared("prb", "*struct printk_ringbuffer", Check.POINTER),
            new Declared("log_buf", "*char", Check.POINTER),
            new Declared("log_buf_len", "unsigned int", Check.NONE),
            // mountinfo and CHIRP's mounts
            new Declared("super_blocks", "struct list_head", Check.LIST_HEAD),
            // capabilities, tty_check, keyboard_notifiers, check_idt, ebpf, iomem
            new Declared("cap_last_cap", "int", Check.NONE),
            new Declared("tty_drivers", "struct list_head", Check.LIST_HEAD),
            new Declared("keyboard_notifier_list", "struct atomic_notifier_head", Check.NONE),
            new Declared("idt_table", "struct gate_struct[256]", Check.NONE),
            new Declared("prog_idr", "struct idr", Check.NONE),
            new Declared("iomem_resource", "struct resource", Check.NONE),
            // the memory layout (page struct array, direct map, vmalloc): Volatility and CHIRP both read these
            new Declared("vmemmap_base", "long unsigned int", Check.POINTER),
            new Declared("page_offset_base", "long unsigned int", Check.POINTER),
            new Declared("vmalloc_base", "long unsigned int", Check.POINTER),
            new Declared("mem_section", "**struct mem_section", Check.POINTER),
            // CHIRP's hook and tracing checks
            new Declared("nr_cpu_ids", "unsigned int", Check.NONE),
            new Declared("ftrace_ops_list", "*struct ftrace_ops", Check.POINTER),
            new Declared("ftrace_list_end", "struct ftrace_ops", Check.NONE),
            new Declared("gate_vma", "struct vm_area_struct", Check.NONE));

    /** Kernel-half addresses on x86-64 (4- and 5-level paging alike start at or above this). */
    static final long KERNEL_HALF = 0xff00000000000000L;

    /** Reads the guest's kernel image at a runtime virtual address; empty if it cannot be read. */
    @FunctionalInterface
    interface ImageReader {
        OptionalLong readLong(long runtimeVa);

        /** For exports without guest memory: every memory check fails, so pointer-typed entries are left out. */
        ImageReader NONE = va -> OptionalLong.empty();
    }

    /** A declared type that passed its checks, or why it did not. */
    sealed interface Outcome {
        record Typed(String symbol, int typeId, int pointerLevels, long arrayCount) implements Outcome {}
        record Rejected(String symbol, String why) implements Outcome {}
    }

    /** A parsed type spec: the named type, how many pointers in front, an array count (-1: not an array). */
    record Spec(String named, int pointers, long count) {
        static Spec parse(String type) {
            int p = 0;
            while (p < type.length() && type.charAt(p) == '*') p++;
            String rest = type.substring(p);
            long count = -1;
            int bracket = rest.indexOf('[');
            if (bracket >= 0) {
                count = Long.parseLong(rest.substring(bracket + 1, rest.length() - 1));
                rest = rest.substring(0, bracket);
            }
            return new Spec(rest.strip(), p, count);
        }
    }

    private DataSymbols() {}

    /**
     * {@return the outcome for {@code d}, or empty if the kernel has no such symbol (an older or newer kernel's
     * entry: not an error)}
     */
    static Optional<Outcome> check(Declared d, KernelSymbols symbols, TypeModel types, ImageReader image) {
        Optional<Symbol> sym = symbols.lookup(d.symbol());
        if (sym.isEmpty()) return Optional.empty();
        long va = sym.get().address();
        Spec spec = Spec.parse(d.type());
        Optional<BtfType> named = find(types, spec.named());
        if (named.isEmpty()) return rejected(d, "the kernel's BTF has no " + spec.named());
        long size;
        try {
            long one = spec.pointers() > 0 ? 8 : types.sizeOf(named.get().id());
            if (spec.count() >= 0 && one != 0 && spec.count() > Long.MAX_VALUE / one) return rejected(d, "too big");
            size = spec.count() >= 0 ? one * spec.count() : one;
        } catch (ChirpException e) {
            return rejected(d, spec.named() + " has no size in the BTF (" + e.getMessage() + ")");
        }
        OptionalLong room = distanceToNext(symbols, va);
        if (room.isPresent() && Long.compareUnsigned(size, room.getAsLong()) > 0) {
            return rejected(d, d.type() + " is " + size + " bytes but the next symbol is " + room.getAsLong()
                    + " bytes after it");
        }
        String bad = switch (d.check()) {
            case NONE -> null;
            case POINTER -> kernelPointer(image, va, "its value");
            case LIST_HEAD -> {
                String next = kernelPointer(image, va, "next");
                yield next != null ? next : kernelPointer(image, va + 8, "prev");
            }
        };
        if (bad != null) return rejected(d, bad);
        return Optional.of(new Outcome.Typed(d.symbol(), named.get().id(), spec.pointers(), spec.count()));
    }

    private static Optional<Outcome> rejected(Declared d, String why) {
        return Optional.of(new Outcome.Rejected(d.symbol(), why));
    }

    /** Structs and unions by their tag; everything else (base types) by name; typedefs are not accepted. */
    private static Optional<BtfType> find(TypeModel types, String named) {
        if (named.startsWith("struct ") || named.startsWith("union ")) {
            boolean union = named.startsWith("union ");
            return types.findStruct(named.substring(named.indexOf(' ') + 1))
                    .filter(s -> s.union() == union && !s.members().isEmpty()).map(BtfType.class::cast);
        }
        return types.findNamed(named).filter(t -> t instanceof BtfType.IntType);
    }

    /** {@return bytes from {@code va} to the next symbol at a higher address; empty for the last symbol} */
    static OptionalLong distanceToNext(KernelSymbols symbols, long va) {
        List<Symbol> all = symbols.all();
        int lo = 0;
        int hi = all.size();
        while (lo < hi) { // first symbol strictly above va
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(all.get(mid).address(), va) <= 0) lo = mid + 1;
            else hi = mid;
        }
        return lo < all.size() ? OptionalLong.of(all.get(lo).address() - va) : OptionalLong.empty();
    }

    private static String kernelPointer(ImageReader image, long va, String what) {
        OptionalLong v = image.readLong(va);
        if (v.isEmpty()) return "cannot read " + what + " at 0x" + Long.toHexString(va) + " in guest memory";
        if (Long.compareUnsigned(v.getAsLong(), KERNEL_HALF) < 0) {
            return what + " 0x" + Long.toHexString(v.getAsLong()) + " does not point into the kernel's address space";
        }
        return null;
    }
}
