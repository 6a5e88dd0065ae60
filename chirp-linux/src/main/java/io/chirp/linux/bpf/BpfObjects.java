package io.chirp.linux.bpf;

import io.chirp.core.ChirpException;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import io.chirp.linux.Walk;
import io.chirp.linux.XArray;
import io.chirp.linux.fs.FdTable;
import io.chirp.linux.fs.KernelFiles;
import io.chirp.symbols.types.BtfType;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The guest's eBPF programs, maps and links. The ID tables are the kernel's own record of what is loaded (what
 * {@code bpftool} lists through BPF_*_GET_NEXT_ID); every process's descriptor table says who holds each object, and
 * socket descriptors say which programs filter them. A program with no holder and no link is pinned or attached
 * elsewhere (a tc or XDP hook, a cgroup): it is listed all the same.
 *
 * <p>Type names come from the kernel's own enums ({@code bpf_prog_type}, {@code bpf_map_type}, {@code bpf_link_type})
 * in its BTF, lower-cased without their prefix as bpftool prints them; a value the enum lacks is shown as a number.
 */
public final class BpfObjects {
    /** The most objects of each kind read: far more than a real system holds. */
    public static final int MAX_OBJECTS = 1 << 16;
    private static final int NAME_LEN = 16;

    /** A process holding an object through a descriptor. */
    public record Holder(int pid, String comm, int fd) {}

    /**
     * A loaded program.
     *
     * @param id          prog id (the index in prog_idr; what fdinfo's prog_id says)
     * @param type        program type name (socket_filter, kprobe, xdp, ...)
     * @param typeValue   the enum's value (fdinfo's prog_type)
     * @param tag         the program's tag: 16 hex digits (fdinfo's prog_tag)
     * @param name        the name given at load time ("" if none)
     * @param loadSeconds when it was loaded, in seconds since boot (aux->load_time), null if unreadable
     * @param mapIds      the ids of the maps it uses
     * @param attachedTo  where it is attached as found here ("socket:[ino] pid/comm", "link N type"), may be empty
     * @param holders     processes with a descriptor for it
     * @param address     address of the struct bpf_prog
     * @param problems    what could not be read
     */
    public record Program(int id, String type, int typeValue, String tag, String name, Double loadSeconds,
                          List<Integer> mapIds, List<String> attachedTo, List<Holder> holders, long address,
                          List<String> problems) {
        public Program {
            mapIds = List.copyOf(mapIds);
            attachedTo = List.copyOf(attachedTo);
            holders = List.copyOf(holders);
            problems = List.copyOf(problems);
        }
    }

    /**
     * A map.
     *
     * @param id         map id (fdinfo's map_id)
     * @param type       map type name (hash, array, ringbuf, ...)
     * @param typeValue  the enum's value (fdinfo's map_type)
     * @param name       the name given at creation ("" if none)
     * @param keySize    key size in bytes
     * @param valueSize  value size in bytes
     * @param maxEntries maximum number of entries
     * @param flags      map_flags
     * @param holders    processes with a descriptor for it
     * @param address    address of the struct bpf_map
     * @param problems   what could not be read
     */
    public record BpfMap(int id, String type, int typeValue, String name, long keySize, long valueSize, long maxEntries,
                         long flags, List<Holder> holders, long address, List<String> problems) {
        public BpfMap {
            holders = List.copyOf(holders);
            problems = List.copyOf(problems);
        }
    }

    /** The objects found, and every reason the listing may be incomplete. */
    public record Listing(List<Program> programs, List<BpfMap> maps, boolean complete, List<String> problems) {
        public Listing {
            programs = List.copyOf(programs);
            maps = List.copyOf(maps);
            problems = List.copyOf(problems);
        }
    }

    private final LinuxKernel k;
    private final KernelReader r;
    private final Layout l;

    public BpfObjects(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        this.l = k.layout();
    }

    /** {@return every program and map in the ID tables, with holders and attach points} */
    public Listing list() {
        List<String> problems = new ArrayList<>();
        if (k.symbols().lookup("prog_idr").isEmpty()) {
            return new Listing(List.of(), List.of(), true, List.of()); // a kernel built without CONFIG_BPF_SYSCALL
        }
        XArray xa = new XArray(k);
        long idrRt = l.offset("idr", "idr_rt");
        XArray.Indexed progs = xa.indexed(k.symbol("prog_idr") + idrRt, -1L, MAX_OBJECTS, MAX_OBJECTS);
        XArray.Indexed maps = xa.indexed(k.symbol("map_idr") + idrRt, -1L, MAX_OBJECTS, MAX_OBJECTS);
        if (!progs.complete()) problems.add("prog_idr: " + progs.problem());
        if (!maps.complete()) problems.add("map_idr: " + maps.problem());
        Map<Long, List<Holder>> holders = new LinkedHashMap<>();
        Map<Long, List<String>> attached = new LinkedHashMap<>();
        holdersAndFilters(holders, attached, problems);
        links(xa, idrRt, attached, problems);

        List<Program> outProgs = new ArrayList<>();
        for (XArray.Entry e : progs.entries()) {
            outProgs.add(program(e, holders.getOrDefault(e.pointer(), List.of()), attached.getOrDefault(e.pointer(), List.of())));
        }
        List<BpfMap> outMaps = new ArrayList<>();
        for (XArray.Entry e : maps.entries()) outMaps.add(map(e, holders.getOrDefault(e.pointer(), List.of())));
        return new Listing(outProgs, outMaps, problems.isEmpty(), problems);
    }

    private Program program(XArray.Entry e, List<Holder> holders, List<String> attachedTo) {
        List<String> problems = new ArrayList<>();
        long prog = e.pointer();
        int typeValue = -1, id = (int) e.index();
        String tag = "", name = "";
        Double load = null;
        List<Integer> mapIds = new ArrayList<>();
        try {
            typeValue = r.u32(prog + l.offset("bpf_prog", "type"));
            tag = HexFormat.of().formatHex(r.bytes(prog + l.offset("bpf_prog", "tag"), 8));
            long aux = r.u64(prog + l.offset("bpf_prog", "aux"));
            int auxId = r.u32(aux + l.offset("bpf_prog_aux", "id"));
            if (auxId != id) problems.add("prog_idr slot " + id + " holds a program whose id is " + auxId);
            name = r.chars(aux + l.offset("bpf_prog_aux", "name"), NAME_LEN);
            load = r.u64(aux + l.offset("bpf_prog_aux", "load_time")) / 1e9;
            int used = r.u32(aux + l.offset("bpf_prog_aux", "used_map_cnt"));
            if (used < 0 || used > 64) { // MAX_USED_MAPS
                problems.add("used_map_cnt " + Integer.toUnsignedString(used) + " is not plausible");
            } else if (used > 0) {
                long arr = r.u64(aux + l.offset("bpf_prog_aux", "used_maps"));
                byte[] ptrs = r.bytes(arr, 8 * used);
                for (int i = 0; i < used; i++) mapIds.add(r.u32(XArray.le64(ptrs, 8 * i) + l.offset("bpf_map", "id")));
            }
        } catch (ChirpException ex) {
            problems.add("prog " + id + ": " + ex.getMessage());
        }
        return new Program(id, enumName("bpf_prog_type", "BPF_PROG_TYPE_", typeValue), typeValue, tag, name, load,
                mapIds, attachedTo, holders, prog, problems);
    }

    private BpfMap map(XArray.Entry e, List<Holder> holders) {
        List<String> problems = new ArrayList<>();
        long map = e.pointer();
        int id = (int) e.index(), typeValue = -1;
        String name = "";
        long key = 0, value = 0, max = 0, flags = 0;
        try {
            typeValue = r.u32(map + l.offset("bpf_map", "map_type"));
            key = Integer.toUnsignedLong(r.u32(map + l.offset("bpf_map", "key_size")));
            value = Integer.toUnsignedLong(r.u32(map + l.offset("bpf_map", "value_size")));
            max = Integer.toUnsignedLong(r.u32(map + l.offset("bpf_map", "max_entries")));
            flags = Integer.toUnsignedLong(r.u32(map + l.offset("bpf_map", "map_flags")));
            int mapId = r.u32(map + l.offset("bpf_map", "id"));
            if (mapId != id) problems.add("map_idr slot " + id + " holds a map whose id is " + mapId);
            name = r.chars(map + l.offset("bpf_map", "name"), NAME_LEN);
        } catch (ChirpException ex) {
            problems.add("map " + id + ": " + ex.getMessage());
        }
        return new BpfMap(id, enumName("bpf_map_type", "BPF_MAP_TYPE_", typeValue), typeValue, name, key, value, max,
                flags, holders, map, problems);
    }

    /** Who holds each object (by its address), and which programs filter which sockets. */
    private void holdersAndFilters(Map<Long, List<Holder>> holders, Map<Long, List<String>> attached, List<String> problems) {
        long progFops = symbol("bpf_prog_fops"), mapFops = symbol("bpf_map_fops"), linkFops = symbol("bpf_link_fops");
        Optional<Long> skFilter = l.find("sock", "sk_filter").isPresent()
                ? Optional.of(l.offset("sock", "sk_filter")) : Optional.empty();
        long socketSk = l.offset("socket", "sk"), filterProg = l.offset("sk_filter", "prog");
        Processes ps = new Processes(k);
        FdTable fds = new FdTable(k);
        KernelFiles files = new KernelFiles(k);
        Walk w = ps.allLeaders();
        if (!w.complete()) problems.add("task list: " + w.problem());
        for (long task : w.items()) {
            LinuxProcess p;
            try {
                p = ps.read(task, false);
            } catch (ChirpException e) {
                problems.add("task at 0x" + Long.toHexString(task) + " unreadable: " + e.getMessage());
                continue;
            }
            if (p.kernelThread()) continue;
            FdTable.Slots slots = fds.of(task);
            if (!slots.complete()) problems.add("pid " + p.tgid() + ": " + slots.problem());
            for (FdTable.Slot s : slots.slots()) {
                try {
                    long ops = files.operations(s.file());
                    if (ops == 0) continue;
                    if (ops == progFops || ops == mapFops || ops == linkFops) {
                        holders.computeIfAbsent(files.privateData(s.file()), x -> new ArrayList<>())
                                .add(new Holder(p.tgid(), p.comm(), s.fd()));
                    } else if (skFilter.isPresent() && files.isSocket(s.file())) {
                        long sk = r.u64(files.socketOf(s.file()) + socketSk);
                        long filter = sk == 0 ? 0 : r.u64(sk + skFilter.get());
                        if (filter == 0) continue;
                        long prog = r.u64(filter + filterProg);
                        String where = "socket:[" + files.inodeNumber(s.file()).orElse(0L) + "] " + p.tgid() + "/" + p.comm();
                        List<String> at = attached.computeIfAbsent(prog, x -> new ArrayList<>());
                        if (!at.contains(where)) at.add(where);
                    }
                } catch (ChirpException e) {
                    problems.add("pid " + p.tgid() + " fd " + s.fd() + ": " + e.getMessage());
                }
            }
        }
    }

    /** Links (BPF_LINK_CREATE, bpf_link_fops) say where modern attachments are: tracing, cgroup, xdp, netfilter. */
    private void links(XArray xa, long idrRt, Map<Long, List<String>> attached, List<String> problems) {
        if (k.symbols().lookup("link_idr").isEmpty()) return;
        XArray.Indexed links = xa.indexed(k.symbol("link_idr") + idrRt, -1L, MAX_OBJECTS, MAX_OBJECTS);
        if (!links.complete()) problems.add("link_idr: " + links.problem());
        for (XArray.Entry e : links.entries()) {
            try {
                int type = r.u32(e.pointer() + l.offset("bpf_link", "type"));
                long prog = r.u64(e.pointer() + l.offset("bpf_link", "prog"));
                attached.computeIfAbsent(prog, x -> new ArrayList<>())
                        .add("link " + e.index() + " " + enumName("bpf_link_type", "BPF_LINK_TYPE_", type));
            } catch (ChirpException ex) {
                problems.add("link " + e.index() + ": " + ex.getMessage());
            }
        }
    }

    private long symbol(String name) { return k.symbols().lookup(name).map(s -> s.address()).orElse(-1L); }

    /** {@return the enumerator's name without its prefix, lower-case; the number when the kernel's enum lacks it} */
    private String enumName(String enumType, String prefix, int value) {
        if (k.types().findNamed(enumType).orElse(null) instanceof BtfType.EnumType en) {
            for (BtfType.Enumerator v : en.values()) {
                if (v.value() == value && v.name().startsWith(prefix)) {
                    return v.name().substring(prefix.length()).toLowerCase(Locale.ROOT);
                }
            }
        }
        return Integer.toString(value);
    }
}
