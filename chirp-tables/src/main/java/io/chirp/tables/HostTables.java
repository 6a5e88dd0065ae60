package io.chirp.tables;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.core.CpuState;
import io.chirp.detect.check.RuleCheck;
import io.chirp.events.EventClass;
import io.chirp.events.OcsfEvent;
import io.chirp.events.Severity;
import io.chirp.events.store.StoredEvent;
import io.chirp.core.ChirpException;
import io.chirp.hypervisor.backend.VmInfo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

import static io.chirp.tables.ColumnType.INTEGER;
import static io.chirp.tables.ColumnType.STRING;
import static io.chirp.tables.ColumnType.TIMESTAMP;

/**
 * Tables of the host side: the VMs of this host, vCPU registers, and the event store, with the columns
 * {@code chirp vm list}, {@code chirp regs} and {@code chirp events} print.
 */
public final class HostTables {
    private HostTables() {}

    /** A register row: one register of one vCPU ({@code register = "source"} says where the values came from). */
    public record RegisterRow(int vcpu, String register, String value) {}

    /**
     * The VMs of every back-end, as {@link io.chirp.hypervisor.backend.VmBackends#listAll} lists them: the columns
     * every back-end fills first, then the back-end's own (QEMU-direct's process and channels), null where a
     * back-end has no such thing.
     */
    public static final TableDef<VmInfo> VMS = TableDef.of("vms", "A VM of some back-end (QEMU processes of this host,"
                    + " libvirt domains), with how CHIRP reads it.",
            Column.of("name", STRING, "VM name in its back-end (QEMU: -name, else the pid; libvirt: the domain name)",
                    v -> v.id().name()),
            Column.of("backend", STRING, "the back-end (qemu, libvirt): --vm BACKEND:NAME picks it", v -> v.id().backend()),
            Column.of("state", STRING, "run state (running, paused, stopped, crashed, unknown)",
                    v -> v.state().name().toLowerCase(Locale.ROOT)),
            Column.of("uuid", STRING, "the VM's UUID, null if its back-end knows none", v -> v.id().uuid().orElse(null)),
            Column.<VmInfo>of("pid", INTEGER, "QEMU process id (qemu back-end), null otherwise",
                    v -> v.details().containsKey("pid") ? Long.parseLong(v.details().get("pid")) : null),
            Column.<VmInfo>of("memory", INTEGER, "guest RAM in bytes, null if unknown", HostTables::memoryBytes)
                    .withText(b -> (((Number) b).longValue() >> 20) + "M"),
            Column.of("memory_path", STRING, "how CHIRP reads its memory (shared_ram, qmp, gdbstub, libvirt, none)",
                    VmInfo::memoryPath),
            Column.of("ram_file", STRING, "RAM backend file, with \" (not shared)\" when QEMU does not share it",
                    v -> v.details().get("ram_file")),
            Column.of("qmp_socket", STRING, "QMP unix socket, null if none (libvirt owns its own)", v -> v.details().get("qmp_socket")),
            Column.of("gdbstub", STRING, "gdbstub address on loopback, null if none", v -> v.details().get("gdbstub")),
            Column.of("chirp", STRING, "what CHIRP's pause marker says: an operation in progress, or a killed CHIRP's leftovers"
                    + " to undo with chirp vm resume; null if none", v -> v.details().get("chirp")),
            Column.of("held_by", STRING, "who holds the VM's QMP/gdbstub channel (QEMU serves one client each), null if nobody",
                    v -> v.details().get("held_by")),
            Column.of("capabilities", STRING, "what CHIRP can do with it (comma-separated capability names)",
                    v -> String.join(",", v.capabilities().stream().sorted().map(c -> c.name().toLowerCase(Locale.ROOT)).toList())));

    /** {@return the RAM size a back-end gave, null if none or unknown} */
    private static Long memoryBytes(VmInfo v) {
        String m = v.details().get("memory");
        if (m == null) return null;
        try {
            long b = Long.parseLong(m);
            return b <= 0 ? null : b;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public static final TableDef<RegisterRow> REGISTERS = TableDef.of("registers", "One register of one vCPU.",
            Column.of("vcpu", INTEGER, "vCPU index", RegisterRow::vcpu),
            Column.of("register", STRING, "register name (lower case); \"source\" names where the values came from",
                    RegisterRow::register),
            Column.of("value", STRING, "the value as 0x-hex (16 digits), or the source", RegisterRow::value));

    public static final TableDef<StoredEvent> EVENTS = TableDef.of("events", "An OCSF event from the event store.",
            Column.of("time", TIMESTAMP, "when it happened (UTC)", e -> Instant.ofEpochMilli(e.time()).toString()),
            Column.of("vm", STRING, "the VM it happened on", StoredEvent::vm),
            Column.of("class", STRING, "OCSF class name (or class_uid when unknown)", e -> className(e.classUid())),
            Column.of("activity", STRING, "OCSF activity name", StoredEvent::activity),
            Column.of("severity", STRING, "OCSF severity caption", e -> Severity.of(e.severity()).caption()),
            Column.of("summary", STRING, "one line saying what happened (guest data)", e -> summary(e.event())),
            Column.of("uid", STRING, "the event's metadata.uid", StoredEvent::uid));

    public static final TableDef<RuleCheck.Result> RULE_CHECKS = TableDef.of("rule_checks",
            "A Sigma rule checked against CHIRP's events: does it load, and can it match what CHIRP produces.",
            Column.of("status", STRING, "ok, or why not (invalid, unmapped, ...)", r -> r.status().name().toLowerCase(Locale.ROOT)),
            Column.of("category", STRING, "the rule's log source category", RuleCheck.Result::category),
            Column.of("rule", STRING, "where the rule came from (file, or api:WHO)", RuleCheck.Result::source),
            Column.of("id", STRING, "the rule's id, null if it has none", RuleCheck.Result::ruleId),
            Column.of("title", STRING, "the rule's title, null if it did not load", RuleCheck.Result::title),
            Column.of("reason", STRING, "why it is not ok, null if it is", RuleCheck.Result::reason));

    /** The register order {@code chirp regs} prints. */
    public static final List<String> REGISTER_ORDER = List.of("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags", "cs", "ss", "fs_base", "gs_base",
            "k_gs_base", "kernel_gs_base", "gdt_base", "idt_base", "tr_base", "cr0", "cr2", "cr3", "cr4", "efer");

    /** {@return every host table} */
    public static List<TableDef<?>> all() { return List.of(VMS, REGISTERS, EVENTS, RULE_CHECKS); }

    /** {@return the registers of every vCPU, in {@link #REGISTER_ORDER}, each vCPU ending with its source} */
    public static Rows registers(List<CpuState> cpus) {
        List<RegisterRow> rows = new ArrayList<>();
        for (CpuState c : cpus) {
            for (String r : REGISTER_ORDER) {
                OptionalLong v = value(c, r);
                if (v.isPresent()) rows.add(new RegisterRow(c.vcpu(), r, String.format("0x%016x", v.getAsLong())));
            }
            rows.add(new RegisterRow(c.vcpu(), "source", c.source()));
        }
        return REGISTERS.rows(rows);
    }

    private static OptionalLong value(CpuState c, String r) {
        return switch (r) {
            case "rip" -> OptionalLong.of(c.rip());
            case "rflags" -> OptionalLong.of(c.rflags());
            case "cr0" -> c.cr0();
            case "cr2" -> c.cr2();
            case "cr3" -> c.cr3();
            case "cr4" -> c.cr4();
            case "efer" -> c.efer();
            case "fs_base" -> c.fsBase();
            case "gs_base" -> c.gsBase();
            case "kernel_gs_base" -> c.kernelGsBase();
            default -> c.register(r);
        };
    }

    /** {@return the OCSF schema name of a class uid, or the uid as text} */
    public static String className(int uid) {
        for (EventClass c : EventClass.values()) if (c.uid() == uid) return c.schemaName();
        return Integer.toString(uid);
    }

    /** {@return one line saying what happened; every piece is guest data, to be escaped by the output format} */
    public static String summary(OcsfEvent e) {
        return switch (e.classUid()) {
            case 1007 -> text(e.at("process", "name")) + "[" + text(e.at("process", "pid")) + "] "
                    + text(e.at("process", "cmd_line"));
            case 1005 -> text(e.at("module", "file", "name")) + " @ " + text(e.at("module", "base_address"));
            case 4001 -> endpoint(e.at("src_endpoint")) + " -> " + endpoint(e.at("dst_endpoint")) + " "
                    + text(e.at("connection_info", "protocol_name"));
            case 1001 -> text(e.at("file", "path"));
            case 2004 -> text(e.at("finding_info", "title"));
            default -> text(e.at("message"));
        };
    }

    private static String endpoint(JsonNode n) {
        return n.isMissingNode() ? "*" : text(n.path("ip")) + ":" + text(n.path("port"));
    }

    private static String text(JsonNode n) { return n.isMissingNode() || n.isNull() ? "" : n.asText(); }
}
