package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.hypervisor.QemuVm;
import io.chirp.hypervisor.backend.VmBackends;
import io.chirp.hypervisor.backend.VmInfo;
import io.chirp.hypervisor.VmInventory;
import io.chirp.hypervisor.pause.PauseMarker;
import io.chirp.hypervisor.pause.PauseRecovery;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.tables.HostTables;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** {@code chirp vm list}: the QEMU VMs on this host and how CHIRP would read each. */
@Command(name = "vm", mixinStandardHelpOptions = true, description = "VMs running on this host.",
        subcommands = {VmCommand.ListCmd.class, VmCommand.ResumeCmd.class})
final class VmCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    @Command(name = "list", mixinStandardHelpOptions = true, description = {"List the VMs of every back-end: QEMU"
            + " processes on this host (qemu) and the domains of a libvirt daemon (libvirt), with how CHIRP reads them.",
            "A back-end that cannot be asked (no libvirt daemon) is a warning, not an error."})
    static final class ListCmd implements Callable<Integer> {
        @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
        @Option(names = "--connect", paramLabel = "URI", description = "the libvirt daemon to ask (default: qemu:///system)")
        String connect;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            VmBackends.Listing l = VmBackends.listAll(java.util.Optional.ofNullable(connect));
            Table.print(HostTables.VMS.rows(l.vms()), spec.commandLine().getOut(), format);
            // the default libvirt daemon not running is the usual case on a plain QEMU host: only an asked-for one warns
            var err = spec.commandLine().getErr();
            for (String p : l.problems()) {
                if (connect != null || !p.startsWith(VmBackends.CONNECTED + ":")) err.println("chirp: warning: " + Table.escape(p));
            }
            err.flush();
            return 0;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = {"Put back a VM that a killed CHIRP left paused or mid-migration: migrate_cancel, migration"
                    + " settings restored, guest resumed if it ran before, scratch files removed.",
                    "Only what CHIRP's pause marker ($CHIRP_HOME/state/paused/VM.json) records is undone: a VM paused by"
                            + " someone else is left alone."})
    static final class ResumeCmd implements Callable<Integer> {
        @Parameters(paramLabel = "VM", description = "the VM's name or QEMU pid (see: chirp vm list), or libvirt:NAME"
                + " for a libvirt domain (its daemon is the one the marker names)") String vm;
        @Spec CommandSpec spec;

        @Override public Integer call() {
            var out = spec.commandLine().getOut();
            if (vm.startsWith("libvirt:")) return libvirt(out);
            QemuVm q = new VmInventory().find(vm);
            PauseMarker m = PauseMarker.read(q.name()).orElseThrow(() -> ChirpException.notFound("VM " + q.name()
                    + " has no CHIRP pause marker: CHIRP did not leave it paused, so CHIRP will not resume it"
                    + " (use your own tooling if it must run)"));
            if (m.ownerAlive() && m.chirpPid() != ProcessHandle.current().pid()) {
                throw ChirpException.usage(m.describe() + " and that CHIRP is still running; wait for it or stop it"
                        + " (it puts the VM back itself)");
            }
            java.util.List<String> done;
            if (m.qemuPid() != q.pid()) {
                done = PauseRecovery.forget(m);
            } else {
                try (QmpClient qmp = QmpClient.connect(q.qmpSocket().orElseThrow(() ->
                        ChirpException.unavailable("VM " + q.name() + " has no QMP socket")))) {
                    done = PauseRecovery.recover(qmp, m);
                    out.printf("VM %s: status %s%n", q.name(), qmp.status());
                }
            }
            return report(out, m, done);
        }

        /** A libvirt domain's marker: undone through libvirt's monitor passthrough, as its guardian would. */
        private int libvirt(java.io.PrintWriter out) {
            PauseMarker m = PauseMarker.read(vm).filter(PauseMarker::onLibvirt).orElseThrow(() -> ChirpException.notFound(
                    "VM " + vm + " has no CHIRP pause marker: CHIRP did not leave it paused, so CHIRP will not resume it"));
            if (m.ownerAlive() && m.chirpPid() != ProcessHandle.current().pid()) {
                throw ChirpException.usage(m.describe() + " and that CHIRP is still running; wait for it or stop it"
                        + " (it puts the VM back itself)");
            }
            java.util.List<String> done;
            try (var h = VmBackends.open(vm, java.util.Optional.of(m.libvirtUri())); var mon = h.openMonitor()) {
                done = PauseRecovery.recover(mon, m);
                out.printf("VM %s: status %s%n", vm, mon.status());
            } catch (ChirpException e) {
                if (e.kind() != ChirpException.Kind.NOT_FOUND) throw e;
                done = PauseRecovery.forget(m); // the domain is gone or not running: only files are left
            }
            return report(out, m, done);
        }

        private static int report(java.io.PrintWriter out, PauseMarker m, java.util.List<String> done) {
            out.println(m.describe() + ":");
            if (done.isEmpty()) out.println("  nothing needed undoing (marker removed)");
            for (String d : done) out.println("  " + d);
            out.flush();
            return 0;
        }
    }
}
