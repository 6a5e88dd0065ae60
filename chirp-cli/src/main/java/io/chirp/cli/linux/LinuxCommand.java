package io.chirp.cli.linux;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code chirp linux ...}: Linux views of a VM or memory image, with nothing but its memory. */
@Command(name = "linux", mixinStandardHelpOptions = true, description = "Linux introspection: processes, modules, sockets, files, checks.",
        subcommands = {PsListCommand.class, PsAuxCommand.class, PsTreeCommand.class, PsScanCommand.class, LsmodCommand.class,
                SocketsCommand.class, LsofCommand.class, MapsCommand.class, MountsCommand.class, FilesCommand.class, ProcDumpCommand.class, IfconfigCommand.class, YaraCommand.class, DmesgCommand.class,
                BpfCommand.class, CapsCommand.class, HistoryCommand.class, KthreadsCommand.class, SockScanCommand.class,
                CheckCommand.class})
public final class LinuxCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }
}
