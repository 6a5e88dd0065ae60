package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.core.ChirpVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.PrintWriter;
import java.util.List;

/**
 * Entry point of the {@code chirp} command. It is the one place that maps failures to exit codes ({@link ExitCode}):
 * picocli's usage errors are {@link ExitCode#USAGE}, a {@link ChirpException} maps by its kind, anything else is an
 * internal error printed with its stack trace.
 */
@Command(name = "chirp", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Cloud Hypervisor-forensics and Incident Response Platform: agentless introspection of VMs.",
        footer = {"", "Exit codes: 0 OK, 1 error (data or environment), 2 usage error, 3 internal error (a bug),",
                "4 partial result (printed, with warnings on stderr), 5 findings (e.g. linux check found something)."})
public final class Main implements Runnable {
    /**
     * The top-level commands, in the order help lists them. They are added in code, not through the annotation's
     * {@code subcommands}, so that a command line can be built with only the branch a call uses: picocli inspects
     * every command class it is given (reflection over ~70 commands cost ~0.3 s CPU of each one-shot call).
     */
    static final List<Class<?>> COMMANDS = List.of(
        DemoCommand.class, LabCommand.class, VmCommand.class, RegsCommand.class, TranslateCommand.class,
        ReadCommand.class, AcquireCommand.class, io.chirp.cli.linux.LinuxCommand.class, DiskCommand.class,
        EventsCommand.class, RulesCommand.class, MonitorCommand.class, SymbolsCommand.class, NetCommand.class,
        ServeCommand.class, EvidenceCommand.class, CaseCommand.class, SensorCommand.class, TimelineCommand.class, HelpCommand.class);

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /** Inherited by every subcommand, so it can be given anywhere: {@code chirp linux pslist -v ...}. */
    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "also log INFO and DEBUG messages on stderr (by default only warnings and errors)")
    void verbose(boolean on) { if (on) Logging.verbose(); }

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    public static void main(String[] args) {
        // The chirp command keeps a verified per-kernel cache in CHIRP_HOME (-Dchirp.kernel.cache=off: none).
        if (System.getProperty(io.chirp.symbols.kernel.KernelCache.PROPERTY) == null) {
            System.setProperty(io.chirp.symbols.kernel.KernelCache.PROPERTY, "on");
        }
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine(args);
        cl.setOut(out).setErr(err);
        return cl.execute(args);
    }

    /** {@return the whole command tree, configured as {@code chirp} runs it} */
    public static CommandLine commandLine() { return commandLine(new String[0]); }

    /**
     * {@return the command tree {@code args} need: only the top-level command they name (with everything below
     * it), or the whole tree when they name none (help, usage errors, {@code chirp help ...})}
     */
    public static CommandLine commandLine(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        Class<?> only = branch(args);
        for (Class<?> c : COMMANDS) {
            if (only == null) cl.addSubcommand(c);
            else if (c == only) cl.addSubcommand(leaf(c, args));
        }
        // Every subcommand answers --version with the one version (picocli gives subcommands none of their own).
        Version version = new Version();
        forEach(cl, c -> c.getCommandSpec().versionProvider(version));
        cl.setExitCodeExceptionMapper(ex -> ex instanceof CommandLine.ParameterException ? ExitCode.USAGE.code()
                : ExitCode.INTERNAL.code());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (ex instanceof ChirpException ce) {
                err.println("chirp: " + Table.escape(String.valueOf(ce.getMessage())));
                ExitCode code = ExitCode.of(ce.kind());
                if (code == ExitCode.INTERNAL) ce.printStackTrace(err);
                else if (code == ExitCode.USAGE) err.println("Try 'chirp help " + path(cmd) + "' for more information.");
                return code.code();
            }
            err.println("chirp: internal error (a bug; please report it with this trace):");
            ex.printStackTrace(err);
            return ExitCode.INTERNAL.code();
        });
        return cl;
    }

    /** {@return the top-level command the first non-option argument names, or null for the whole tree} */
    static Class<?> branch(String[] args) {
        for (String a : args) {
            if (a.startsWith("-")) continue; // the root's own options are flags (-v, -h, -V): no values to skip
            if (a.equals("help")) return null;
            for (Class<?> c : COMMANDS) {
                if (c.getAnnotation(Command.class).name().equals(a)) return c;
            }
            return null;
        }
        return null;
    }

    /**
     * {@return {@code branch} with only the subcommand that follows it in {@code args} (e.g. {@code linux} with only
     * {@code pslist}), or the branch class itself (picocli then builds all of it) when no subcommand of it follows}
     * The pruned branch is built without inspecting its class: its own name, description and standard help options
     * come from its annotation, and it has no options or parameters of its own (the branches are namespaces).
     */
    static Object leaf(Class<?> branch, String[] args) {
        Command ann = branch.getAnnotation(Command.class);
        if (ann.subcommands().length == 0 || hasOwnArgs(branch)) return branch;
        int i = 0;
        while (i < args.length && !args[i].equals(ann.name())) i++;
        for (i++; i < args.length && args[i].startsWith("-"); i++) { /* -v and friends: flags */ }
        if (i >= args.length) return branch;
        for (Class<?> sub : ann.subcommands()) {
            Command s = sub.getAnnotation(Command.class);
            if (s == null || !s.name().equals(args[i]) || s.subcommands().length > 0) continue;
            CommandLine.Model.CommandSpec spec = CommandLine.Model.CommandSpec.wrapWithoutInspection((Runnable) () -> { });
            spec.name(ann.name());
            spec.mixinStandardHelpOptions(ann.mixinStandardHelpOptions());
            spec.usageMessage().description(ann.description());
            CommandLine pruned = new CommandLine(spec);
            pruned.addSubcommand(sub);
            return pruned;
        }
        return branch;
    }

    /** {@return true if a command class declares options, parameters or groups of its own (not a pure namespace)} */
    private static boolean hasOwnArgs(Class<?> c) {
        for (var f : c.getDeclaredFields()) {
            if (f.isAnnotationPresent(Option.class) || f.isAnnotationPresent(CommandLine.Parameters.class)
                    || f.isAnnotationPresent(CommandLine.ArgGroup.class) || f.isAnnotationPresent(CommandLine.Mixin.class)) return true;
        }
        for (var m : c.getDeclaredMethods()) {
            if (m.isAnnotationPresent(Option.class) || m.isAnnotationPresent(CommandLine.Parameters.class)) return true;
        }
        return false;
    }

    /** Visits a command and every subcommand below it. */
    static void forEach(CommandLine c, java.util.function.Consumer<CommandLine> action) {
        action.accept(c);
        for (CommandLine sub : c.getSubcommands().values()) forEach(sub, action);
    }

    /** {@return the subcommand path without the root, e.g. "linux pslist"} */
    static String path(CommandLine c) {
        String q = c.getCommandSpec().qualifiedName(" ");
        int sp = q.indexOf(' ');
        return sp < 0 ? "" : q.substring(sp + 1);
    }

    /** {@code --version}: product, version, git commit and build time. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() { return new String[] {ChirpVersion.current().describe()}; }
    }
}
