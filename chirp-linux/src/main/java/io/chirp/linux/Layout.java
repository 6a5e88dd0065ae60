package io.chirp.linux;

import io.chirp.core.ChirpException;
import io.chirp.symbols.types.MemberPath;
import io.chirp.symbols.types.TypeModel;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Structure offsets from the kernel's BTF, looked up once and cached: walkers ask by name
 * ("task_struct", "real_parent") and never hard-code an offset, so one binary follows every kernel build.
 * Members that moved or vanished between kernel versions are asked for with {@link #find}, and the walker
 * decides once what the kernel offers.
 */
public final class Layout {
    private static final long ABSENT = Long.MIN_VALUE;
    private final TypeModel types;
    private final Map<String, Long> offsets = new ConcurrentHashMap<>();
    private final Map<String, Long> sizes = new ConcurrentHashMap<>();

    Layout(TypeModel types) { this.types = types; }

    public TypeModel types() { return types; }

    /** {@return the byte offset of {@code path} (dotted, through nested structs and unions) in {@code struct}} */
    public long offset(String struct, String path) {
        long v = lookup(struct, path);
        if (v == ABSENT) throw ChirpException.notFound("this kernel's " + struct + " has no member " + path);
        return v;
    }

    /** {@return the offset, or empty if this kernel's struct has no such member} */
    public OptionalLong find(String struct, String path) {
        long v = lookup(struct, path);
        return v == ABSENT ? OptionalLong.empty() : OptionalLong.of(v);
    }

    private long lookup(String struct, String path) {
        return offsets.computeIfAbsent(struct + "." + path, k -> {
            try {
                return types.offsetOf(struct, path);
            } catch (ChirpException | IllegalArgumentException e) {
                return ABSENT;
            }
        });
    }

    /** {@return the member's full path description (bit offset, bitfield size)} */
    public MemberPath member(String struct, String path) { return types.memberPath(struct, path); }

    /** {@return sizeof(struct name)} */
    public long size(String struct) {
        return sizes.computeIfAbsent(struct, types::sizeOf);
    }

    /** {@return true if the kernel has a struct of that name} */
    public boolean hasStruct(String name) { return types.findStruct(name).isPresent(); }
}
