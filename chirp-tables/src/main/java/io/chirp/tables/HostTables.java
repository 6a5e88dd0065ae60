package io.chirp.tables;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.core.CpuState;
import io.chirp.events.EventClass;
import io.chirp.events.OcsfEvent;
import io.chirp.events.Severity;
import io.chirp.events.store.StoredEvent;
import io.chirp.core.ChirpException;
import io.chirp.hypervisor.QemuVm;
import io.chirp.hypervisor.VmInventory;
import io.chirp.hypervisor.pause.PauseMarker;

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

    public static final TableDef<QemuVm> VMS = TableDef.of("vms", "A QEMU VM on this host (found from its process).",
            Column.of("name", STRING, "VM name (-name, else the QEMU pid)", QemuVm::name),
            Column.of("pid", INTEGER, "QEMU process id", QemuVm::pid),
            Column.<QemuVm>of("memory", INTEGER, "guest RAM in bytes, null if unknown",
                    v -> v.memoryBytes() == 0 ? null : v.memoryBytes()).withText(b -> (((Number) b).longValue() >> 20) + "M"),
            Column.of("memory_path", STRING, "how CHIRP reads its memory: shared_ram, qmp or gdbstub",
                    v -> v.memoryPath().name().toLowerCase(Locale.ROOT)),
            Column.of("ram_file", STRING, "RAM backend file, with \" (not shared)\" when QEMU does not share it",
                    v -> v.ramFile().map(Object::toString).orElse(null)
                            + (v.ramFile().isPresent() && !v.ramShared() ? " (not shared)" : "")),
            Column.of("qmp_socket", STRING, "QMP unix socket, null if none", v -> v.qmpSocket().map(Object::toString).orElse(null)),
            Column.of("gdbstub", STRING, "gdbstub address on loopback, null if none",
                    v -> v.gdbPort() > 0 ? "127.0.0.1:" + v.gdbPort() : null),
            Column.of("chirp", STRING, "what CHIRP's pause marker says: an operation in progress, or a killed CHIRP's leftovers"
                    + " to undo with chirp vm resume; null if none", HostTables::markerNote),
            Column.of("held_by", STRING, "who holds the VM's QMP/gdbstub channel (QEMU serves one client each), null if nobody",
                    v -> VmInventory.holders(v).stream().map(l -> l.channel() + ": " + l.command() + " pid " + l.pid()
                            + (l.purpose().isEmpty() ? "" : " (" + l.purpose() + ")")).reduce((a, b) -> a + "; " + b).orElse(null)));

    /** {@return what a pause marker says about the VM: CHIRP working on it, or a killed CHIRP's leftovers} */
    private static String markerNote(QemuVm vm) {
        try {
            return PauseMarker.read(vm.name()).filter(m -> m.qemuPid() == vm.pid())
                    .map(m -> m.ownerAlive() ? m.operation() + " by pid " + m.chirpPid()
                            : "left by killed pid " + m.chirpPid() + " (" + m.operation() + "): chirp vm resume " + vm.name())
                    .orElse(null);
        } catch (ChirpException e) {
            return e.getMessage();
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

    /** The register order {@code chirp regs} prints. */
    public static final List<String> REGISTER_ORDER = List.of("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags", "cs", "ss", "fs_base", "gs_base",
            "k_gs_base", "kernel_gs_base", "gdt_base", "idt_base", "tr_base", "cr0", "cr2", "cr3", "cr4", "efer");

    /** {@return every host table} */
    public static List<TableDef<?>> all() { return List.of(VMS, REGISTERS, EVENTS); }

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
