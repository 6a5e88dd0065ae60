package io.chirp.cli;

import io.chirp.hypervisor.QemuVm;
import io.chirp.hypervisor.VmInventory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** {@code chirp vm list}: the QEMU VMs on this host and how CHIRP would read each. */
@Command(name = "vm", description = "VMs running on this host.", subcommands = VmCommand.ListCmd.class)
final class VmCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    @Command(name = "list", description = "List running QEMU VMs (found from their processes) and their memory path.")
    static final class ListCmd implements Callable<Integer> {
        @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            Table t = new Table("name", "pid", "memory", "memory_path", "ram_file", "qmp_socket", "gdbstub", "held_by");
            for (QemuVm vm : new VmInventory().list()) {
                t.row(vm.name(), vm.pid(), vm.memoryBytes() == 0 ? null : (vm.memoryBytes() >> 20) + "M",
                        vm.memoryPath().name().toLowerCase(java.util.Locale.ROOT),
                        vm.ramFile().map(Object::toString).orElse(null) + (vm.ramFile().isPresent() && !vm.ramShared() ? " (not shared)" : ""),
                        vm.qmpSocket().map(Object::toString).orElse(null),
                        vm.gdbPort() > 0 ? "127.0.0.1:" + vm.gdbPort() : null,
                        // QEMU serves one client per channel: who has it, when CHIRP does
                        VmInventory.holders(vm).stream().map(l -> l.channel() + ": " + l.command() + " pid " + l.pid()
                                + (l.purpose().isEmpty() ? "" : " (" + l.purpose() + ")"))
                                .reduce((a, b) -> a + "; " + b).orElse(null));
            }
            t.print(spec.commandLine().getOut(), format);
            return 0;
        }
    }
}
