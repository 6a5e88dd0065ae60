package io.chirp.linux.fs;

import io.chirp.core.ChirpException;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import io.chirp.linux.Walk;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * {@code lsof}: the open descriptors of every process, from each process's own descriptor table. Threads share
 * their leader's table in practice, so one table is read per process.
 */
public final class OpenFiles {
    /**
     * The open files found, and what kept the listing from being complete.
     *
     * @param files    the rows, by pid then fd
     * @param complete true if the task list and every descriptor table were read to their end
     * @param problems one line per incomplete part (task list, or a process whose table was cut short)
     */
    public record Listing(List<OpenFile> files, boolean complete, List<String> problems) {
        public Listing {
            files = List.copyOf(files);
            problems = List.copyOf(problems);
        }
    }

    private final Processes processes;
    private final FdTable tables;
    private final KernelFiles names;

    public OpenFiles(LinuxKernel k) {
        this.processes = new Processes(k);
        this.tables = new FdTable(k);
        this.names = new KernelFiles(k);
    }

    /** Lists the open files of every process whose pid {@code wanted} accepts. */
    public Listing list(IntPredicate wanted) {
        List<OpenFile> out = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Walk w = processes.allLeaders();
        if (!w.complete()) problems.add("task list: " + w.problem());
        for (long task : w.items()) {
            LinuxProcess p;
            try {
                p = processes.read(task, false);
            } catch (ChirpException e) {
                problems.add("task at 0x" + Long.toHexString(task) + " unreadable: " + e.getMessage());
                continue;
            }
            if (!wanted.test(p.pid()) || p.kernelThread()) continue;
            FdTable.Slots slots = tables.of(task);
            if (!slots.complete()) problems.add("pid " + p.pid() + ": " + slots.problem());
            for (FdTable.Slot s : slots.slots()) out.add(new OpenFile(p.pid(), p.comm(), s.fd(), names.describe(s.file())));
        }
        return new Listing(out, problems.isEmpty(), problems);
    }

    /** Lists the open files of every process. */
    public Listing list() { return list(pid -> true); }
}
