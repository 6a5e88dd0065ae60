package io.chirp.disk.fs;

import io.chirp.disk.HostTool;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/** The Sleuth Kit as the oracle: {@code fls -r -m /} and {@code icat}, next to CHIRP's own output. */
final class SleuthKit {
    private static final Duration T = Duration.ofMinutes(5);

    private SleuthKit() {}

    /** {@return fls's body lines, sorted} */
    static TreeSet<String> fls(Path image, String... extra) {
        String[] argv = new String[4 + extra.length + 1];
        argv[0] = "fls";
        System.arraycopy(extra, 0, argv, 1, extra.length);
        argv[1 + extra.length] = "-r";
        argv[2 + extra.length] = "-m";
        argv[3 + extra.length] = "/";
        argv[4 + extra.length] = image.toString();
        return new TreeSet<>(Arrays.asList(HostTool.text(T, argv).split("\n")));
    }

    /** {@return icat's bytes of {@code inode}} */
    static byte[] icat(Path image, long inode, String... extra) {
        List<String> argv = new java.util.ArrayList<>(List.of("icat"));
        argv.addAll(List.of(extra));
        argv.add(image.toString());
        argv.add(Long.toString(inode));
        return HostTool.run(T, argv);
    }

    /** {@return CHIRP's body lines, sorted} */
    static TreeSet<String> chirp(Listing l) {
        StringWriter s = new StringWriter();
        BodyFile.write(l, "/", new PrintWriter(s));
        return new TreeSet<>(Arrays.asList(s.toString().split("\n")));
    }

    /** A readable diff of two sorted line sets, for assertion messages. */
    static String diff(TreeSet<String> ours, TreeSet<String> theirs) {
        TreeSet<String> onlyOurs = new TreeSet<>(ours);
        onlyOurs.removeAll(theirs);
        TreeSet<String> onlyTheirs = new TreeSet<>(theirs);
        onlyTheirs.removeAll(ours);
        StringBuilder sb = new StringBuilder();
        onlyOurs.stream().limit(20).forEach(x -> sb.append("\n  chirp only: ").append(x));
        onlyTheirs.stream().limit(20).forEach(x -> sb.append("\n  fls only:   ").append(x));
        sb.append("\n  (").append(onlyOurs.size()).append(" / ").append(onlyTheirs.size()).append(" lines differ)");
        return sb.toString();
    }
}
