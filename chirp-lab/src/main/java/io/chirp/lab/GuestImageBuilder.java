package io.chirp.lab;

import io.chirp.core.ChirpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Builds the lab guest from Debian's packages: a kernel package (by default whatever {@code linux-image-amd64} apt
 * serves today; any other {@code linux-image-*} package or meta-package on request), busybox-static, and an ext4
 * disk with known files. The kernel .deb is fetched with {@code apt-get download} and unpacked, never installed on
 * the host. The result is cached under {@link LabHome#images()} by the hash of its inputs (the real kernel package
 * and its version among them), so a new kernel in apt, a new busybox or a changed init script triggers a rebuild,
 * and images of different kernels live side by side.
 */
public final class GuestImageBuilder {
    private static final Logger log = LoggerFactory.getLogger(GuestImageBuilder.class);
    /** Bump when the layout of a built image changes. */
    private static final String BUILDER_VERSION = "6";
    /** Modules the guest needs, loaded in modules.dep order; crc32c_generic is a softdep of ext4 that modules.dep omits. */
    private static final List<String> MODULES = List.of("virtio_pci", "virtio_net", "virtio_blk", "crc32c_generic", "ext4");
    /** Modules shipped in the guest but not loaded at boot: tests load them (insmod /lib/modules/extra/NAME.ko). */
    static final List<String> EXTRA_MODULES = List.of("dummy");
    /** The kernel the lab boots unless asked for another. */
    public static final String DEFAULT_KERNEL = "linux-image-amd64";
    /** Debian package names, and nothing apt-get could read as an option. */
    private static final java.util.regex.Pattern KERNEL_PACKAGE =
            java.util.regex.Pattern.compile("linux-image-[a-z0-9][a-z0-9.+~-]{0,80}");

    private final LabHome home;
    private final String kernel;
    private final GuestArch arch;

    public GuestImageBuilder(LabHome home) { this(home, DEFAULT_KERNEL); }

    /**
     * @param kernel a Debian kernel package such as {@code linux-image-6.12-cloud-amd64} (a meta-package, resolved to
     *               the real package it depends on) or {@code linux-image-6.1.0-57-rt-amd64}
     */
    public GuestImageBuilder(LabHome home, String kernel) {
        this.home = home;
        this.kernel = checkedKernel(kernel);
        this.arch = GuestArch.ofKernelPackage(this.kernel);
    }

    /** {@return the architecture the kernel package is built for} */
    public GuestArch arch() { return arch; }

    /** {@return the package name, checked to be a Debian kernel package name} */
    static String checkedKernel(String kernel) {
        if (kernel == null || !KERNEL_PACKAGE.matcher(kernel).matches()) {
            throw ChirpException.usage("not a Debian kernel package name: " + kernel
                    + " (e.g. linux-image-amd64, linux-image-6.12-cloud-amd64; see: apt-cache search ^linux-image-)");
        }
        return kernel;
    }

    /**
     * The real package a kernel request names: a meta-package depends on exactly one {@code linux-image-*} package;
     * a real one ships {@code /boot/vmlinuz-*} itself.
     */
    record Resolved(String realPackage, String version) {}

    private Resolved resolve() {
        String info;
        try {
            info = aptShow(kernel);
        } catch (ChirpException e) {
            throw ChirpException.unavailable("apt knows no kernel package " + kernel
                    + " (run apt-get update; list them with: apt-cache search ^linux-image-): " + e.getMessage());
        }
        String version = field(info, "Version");
        if (version.isEmpty()) throw ChirpException.unavailable("apt knows no kernel package " + kernel + "; run apt-get update first");
        String dep = field(info, "Depends").split("[ ,(|]")[0].strip();
        // A real kernel package depends on kmod, linux-base, ...; a meta-package on the kernel package it stands for.
        return new Resolved(dep.startsWith("linux-image-") ? checkedKernel(dep) : kernel, version);
    }

    /** {@return the cached image, building it first if its inputs changed} */
    public GuestImage build() {
        HostCommand.require("apt-get", "apt", "apt-cache", "apt", "dpkg-deb", "dpkg", "depmod", "kmod",
                "mkfs.ext4", "e2fsprogs", "qemu-img", "qemu-utils");
        Resolved r = resolve();
        Path busybox = arch == GuestArch.X86_64 ? busyboxPath() : foreignBusybox();
        String realPackage = r.realPackage();
        // The same inputs as before kernels could be chosen, so the default image stays where it was.
        String key = sha256(String.join("\n", BUILDER_VERSION, r.version(), realPackage,
                sha256(read(busybox)), sha256(initScript()))).substring(0, 16);
        Path dir = home.images().resolve(key);
        try {
            Files.createDirectories(home.images());
            // Built images are read under a shared lock of their own, so guests boot in parallel (in one JVM and
            // across processes); only a missing image is built, once, under the exclusive lock.
            GuestImage built = withImageLock(dir, true, () -> isBuilt(dir) ? load(dir) : null);
            if (built != null) return built;
            return withImageLock(dir, false, () -> {
                if (!isBuilt(dir)) {
                    // also under the lab folder's lock, which CHIRPs before per-image locks take for build and cleanup
                    withFolderLock(() -> {
                        log.info("building lab guest image {} from {} (cached for later runs)", key, realPackage);
                        buildInto(dir, realPackage, busybox);
                        removeOtherBuilds(dir, kernel);
                        return null;
                    });
                }
                return load(dir);
            });
        } catch (IOException e) {
            throw ChirpException.io("cannot build lab guest image in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static boolean isBuilt(Path dir) { return Files.isRegularFile(dir.resolve("image.properties")); }

    /** Work done under a lock; may throw what building throws. */
    @FunctionalInterface
    interface Locked<T> {
        T run() throws IOException;
    }

    /**
     * One lock per image, {@code KEY.lock} beside its folder: shared to read a built image, exclusive to build or
     * delete it. A {@link FileLock} belongs to the whole JVM (a second thread asking for an overlapping one gets
     * {@code OverlappingFileLockException}, not a wait), so inside the JVM a read-write lock per image decides, and
     * the readers of this JVM hold one shared file lock between them ({@link ImageLock}).
     */
    static <T> T withImageLock(Path imageDir, boolean shared, Locked<T> work) throws IOException {
        ImageLock l = IN_JVM.computeIfAbsent(imageDir.toAbsolutePath().normalize(), ImageLock::new);
        if (shared) {
            l.rw.readLock().lock();
            try {
                l.acquireShared();
                try {
                    return work.run();
                } finally {
                    l.releaseShared();
                }
            } finally {
                l.rw.readLock().unlock();
            }
        }
        l.rw.writeLock().lock();
        try (FileChannel ch = FileChannel.open(lockFileOf(imageDir), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            return work.run();
        } finally {
            l.rw.writeLock().unlock();
        }
    }

    /** An image's lock in this JVM: threads read-write lock it; its readers share one shared file lock. */
    private static final class ImageLock {
        final java.util.concurrent.locks.ReentrantReadWriteLock rw = new java.util.concurrent.locks.ReentrantReadWriteLock();
        private final Path file;
        private int readers;
        private FileChannel channel;
        private FileLock lock;

        ImageLock(Path imageDir) { this.file = lockFileOf(imageDir); }

        synchronized void acquireShared() throws IOException {
            if (readers == 0) {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                try {
                    lock = channel.lock(0, Long.MAX_VALUE, true); // waits while another process builds
                } catch (IOException | RuntimeException e) {
                    channel.close();
                    throw e;
                }
            }
            readers++;
        }

        synchronized void releaseShared() throws IOException {
            if (--readers > 0) return;
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }

        /** Exclusive now, without waiting, or false. */
        boolean tryExclusive(Locked<Void> work) throws IOException {
            if (!rw.writeLock().tryLock()) return false;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock l = ch.tryLock()) {
                if (l == null) return false;
                work.run();
                return true;
            } finally {
                rw.writeLock().unlock();
            }
        }
    }

    /** The whole lab folder's lock, {@code .lock}, taken for builds and the removal of old builds. */
    private <T> T withFolderLock(Locked<T> work) throws IOException {
        FOLDER.lock();
        try (FileChannel ch = FileChannel.open(home.images().resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            return work.run();
        } finally {
            FOLDER.unlock();
        }
    }

    private static Path lockFileOf(Path imageDir) {
        return imageDir.resolveSibling(imageDir.getFileName() + ".lock");
    }

    /** In-process locks per image folder (see {@link #withImageLock}). */
    private static final java.util.concurrent.ConcurrentHashMap<Path, ImageLock> IN_JVM =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.concurrent.locks.ReentrantLock FOLDER = new java.util.concurrent.locks.ReentrantLock();

    /**
     * Older builds of the same kernel request are dead weight once a new one exists (running guests keep their open
     * files); other kernels' images stay. Builds from before kernels could be chosen were all of the default.
     */
    private void removeOtherBuilds(Path keep, String request) throws IOException {
        try (Stream<Path> s = Files.list(home.images())) {
            for (Path p : s.toList()) {
                Path props = p.resolve("image.properties");
                if (p.equals(keep) || !Files.isDirectory(p) || !Files.exists(props)) continue;
                Properties other = new Properties();
                try (InputStream in = Files.newInputStream(props)) {
                    other.load(in);
                }
                if (other.getProperty("kernel.request", DEFAULT_KERNEL).equals(request)) deleteIfUnused(p);
            }
        }
    }

    /** Deletes an old build unless something holds its lock (a guest loading it): it is then left for next time. */
    private static void deleteIfUnused(Path imageDir) throws IOException {
        IN_JVM.computeIfAbsent(imageDir.toAbsolutePath().normalize(), ImageLock::new).tryExclusive(() -> {
            deleteTree(imageDir);
            return null;
        });
    }

    private void buildInto(Path dir, String realPackage, Path busybox) throws IOException {
        Path tmp = Files.createTempDirectory(home.images(), "build-");
        try {
            HostCommand.of(tmp, "apt-get", "download", "-q", arch.aptName(realPackage)).run();
            Path deb;
            try (Stream<Path> s = Files.list(tmp)) {
                deb = s.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst()
                        .orElseThrow(() -> ChirpException.unavailable("apt-get download gave no .deb for " + realPackage));
            }
            Path pkg = tmp.resolve("pkg");
            HostCommand.of(tmp, "dpkg-deb", "-x", deb.toString(), pkg.toString()).run();
            String release;
            try (Stream<Path> s = Files.list(pkg.resolve("lib/modules"))) {
                release = s.map(p -> p.getFileName().toString()).findFirst()
                        .orElseThrow(() -> ChirpException.corrupt("kernel package has no lib/modules"));
            }
            // The .deb ships no modules.dep (its postinst runs depmod), so make one.
            HostCommand.of(tmp, "depmod", "-b", pkg.toString(), release).run();
            Path modRoot = pkg.resolve("lib/modules").resolve(release);
            List<String> order = moduleOrder(modRoot, MODULES);

            Cpio cpio = new Cpio();
            for (String d : List.of("/bin", "/sbin", "/usr", "/usr/bin", "/usr/sbin", "/proc", "/sys", "/dev", "/tmp",
                    "/mnt", "/etc", "/root", "/chirp", "/lib", "/lib/modules", "/lib/modules/" + release)) {
                cpio.dir(d);
            }
            cpio.charDevice("/dev/console", 5, 1);
            cpio.file("/bin/busybox", 0755, read(busybox));
            cpio.symlink("/bin/sh", "busybox");
            cpio.file("/init", 0755, initScript());
            Set<String> dirs = new LinkedHashSet<>();
            for (String m : order) {
                Path parent = Path.of(m).getParent();
                List<String> chain = new ArrayList<>();
                for (Path p = parent; p != null; p = p.getParent()) chain.addFirst(p.toString());
                for (String c : chain) if (dirs.add(c)) cpio.dir("/lib/modules/" + release + "/" + c);
                // Stored decompressed under the .ko name modules.order gives init.sh (6.12 ships .ko.xz).
                cpio.file("/lib/modules/" + release + "/" + uncompressedName(m), 0644, moduleBytes(modRoot.resolve(m), tmp));
            }
            cpio.dir("/lib/modules/extra");
            for (String extra : EXTRA_MODULES) {
                List<String> deps = moduleOrder(modRoot, List.of(extra));
                if (deps.size() != 1) throw ChirpException.corrupt("extra module " + extra + " has dependencies: " + deps);
                byte[] ko = moduleBytes(modRoot.resolve(deps.getFirst()), tmp);
                cpio.file("/lib/modules/extra/" + extra + ".ko", 0644, ko);
                if (extra.equals("dummy")) {
                    // The same harmless module under the name of a known rootkit (Knark): same length, so every
                    // occurrence can be swapped in place. Its signature would no longer match (a bad signature is
                    // refused), so it is removed: the kernel loads unsigned modules, tainted "E" (no SIG_FORCE).
                    cpio.file("/lib/modules/extra/knark.ko", 0644, stripSignature(replaceAll(ko, "dummy", "knark")));
                }
            }
            cpio.file("/chirp/modules.order", 0644,
                    (String.join("\n", order.stream().map(GuestImageBuilder::uncompressedName).toList()) + "\n")
                            .getBytes(StandardCharsets.UTF_8));
            Path initramfs = tmp.resolve("initramfs.cpio.gz");
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(initramfs))) {
                out.write(cpio.finish());
            }
            padTo(initramfs, 512);

            Files.copy(pkg.resolve("boot/vmlinuz-" + release), tmp.resolve("vmlinuz"));
            Path config = pkg.resolve("boot/config-" + release);
            if (Files.exists(config)) Files.copy(config, tmp.resolve("config"));

            Map<String, String> diskFiles = buildDisk(tmp);

            Properties props = new Properties();
            props.setProperty("kernel.release", release);
            props.setProperty("kernel.package", deb.getFileName().toString().replace(".deb", ""));
            props.setProperty("kernel.request", kernel);
            props.setProperty("arch", arch.name());
            props.setProperty("kernel.builtin", String.join(",", builtinOf(modRoot, MODULES)));
            diskFiles.forEach((k, v) -> props.setProperty("disk.file." + k, v));
            deleteTree(pkg);
            Files.delete(deb);
            try (OutputStream out = Files.newOutputStream(tmp.resolve("image.properties"))) {
                props.store(out, "CHIRP lab guest image");
            }
            deleteTree(dir);
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(tmp);
        }
    }

    /** The data disk: small, with known content whose hashes the tests compare against. */
    private Map<String, String> buildDisk(Path tmp) throws IOException {
        Path root = tmp.resolve("diskroot");
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("secret.txt", "CHIRP-SECRET-0xC0FFEE known content\n".getBytes(StandardCharsets.UTF_8));
        files.put("data/hello.txt", "hello from the CHIRP lab disk\n".getBytes(StandardCharsets.UTF_8));
        byte[] random = new byte[1 << 20];
        new Random(0xC41D).nextBytes(random);
        files.put("data/random.bin", random);
        files.put("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 300; i++) {
            files.put("many/file-" + i + ".txt", ("file number " + i + "\n").getBytes(StandardCharsets.UTF_8));
        }
        Map<String, String> hashes = new TreeMap<>();
        for (var e : files.entrySet()) {
            Path p = root.resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, e.getValue());
            hashes.put("/" + e.getKey(), sha256(e.getValue()));
        }
        Files.createSymbolicLink(root.resolve("data/link-to-hello"), Path.of("hello.txt"));
        Path disk = tmp.resolve("disk.raw");
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.position(64L * 1024 * 1024 - 1);
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]));
        }
        HostCommand.of(tmp, "mkfs.ext4", "-q", "-F", "-L", "chirplab", "-E", "root_owner=0:0",
                "-d", root.toString(), disk.toString()).run();
        deleteTree(root);
        return hashes;
    }

    /** Resolves MODULES and their dependencies from modules.dep, dependencies first. */
    private static List<String> moduleOrder(Path modRoot, List<String> wantedModules) throws IOException {
        Map<String, List<String>> deps = new LinkedHashMap<>();
        for (String line : Files.readAllLines(modRoot.resolve("modules.dep"))) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String rest = line.substring(colon + 1).strip();
            deps.put(line.substring(0, colon), rest.isEmpty() ? List.of() : List.of(rest.split("\\s+")));
        }
        Set<String> builtin = new LinkedHashSet<>();
        Path builtinFile = modRoot.resolve("modules.builtin");
        if (Files.exists(builtinFile)) {
            for (String l : Files.readAllLines(builtinFile)) builtin.add(moduleName(l));
        }
        List<String> order = new ArrayList<>();
        for (String wanted : wantedModules) {
            String path = deps.keySet().stream().filter(p -> moduleName(p).equals(wanted)).findFirst().orElse(null);
            if (path == null) {
                if (builtin.contains(wanted)) continue;
                throw ChirpException.notFound("kernel module " + wanted + " is neither in modules.dep nor built in");
            }
            resolve(path, deps, order, new LinkedHashSet<>());
        }
        return order;
    }

    /** {@return those of the wanted modules the kernel has built in (cloud kernels: virtio, ext4)} */
    private static List<String> builtinOf(Path modRoot, List<String> wanted) throws IOException {
        Path builtinFile = modRoot.resolve("modules.builtin");
        if (!Files.exists(builtinFile)) return List.of();
        Set<String> builtin = new LinkedHashSet<>();
        for (String l : Files.readAllLines(builtinFile)) builtin.add(moduleName(l));
        return wanted.stream().filter(builtin::contains).toList();
    }

    private static void resolve(String path, Map<String, List<String>> deps, List<String> order, Set<String> visiting) {
        if (order.contains(path) || !visiting.add(path)) return;
        for (String d : deps.getOrDefault(path, List.of())) resolve(d, deps, order, visiting);
        order.add(path);
    }

    private static String moduleName(String path) {
        String n = Path.of(path).getFileName().toString();
        n = n.substring(0, n.indexOf(".ko"));
        return n.replace('-', '_');
    }

    private static String uncompressedName(String path) {
        return path.substring(0, path.indexOf(".ko") + 3);
    }

    /** busybox's insmod takes plain .ko files: decompress with the host's xz or zstd where Debian compressed them. */
    private static byte[] moduleBytes(Path module, Path tmp) throws IOException {
        String n = module.getFileName().toString();
        if (n.endsWith(".ko")) return Files.readAllBytes(module);
        String tool = n.endsWith(".xz") ? "xz" : n.endsWith(".zst") ? "zstd" : null;
        if (tool == null) throw ChirpException.unavailable("unknown module compression: " + n);
        HostCommand.require(tool, tool.equals("xz") ? "xz-utils" : "zstd");
        Path out = tmp.resolve("module.ko");
        HostCommand.of(tmp, "sh", "-c", tool + " -d -c -q '" + module + "' > '" + out + "'").run();
        byte[] bytes = Files.readAllBytes(out);
        Files.delete(out);
        return bytes;
    }

    /** Removes an appended module signature ("~Module signature appended~\n" after a module_signature record). */
    static byte[] stripSignature(byte[] ko) {
        byte[] magic = "~Module signature appended~\n".getBytes(StandardCharsets.US_ASCII);
        int n = ko.length;
        if (n < magic.length + 12) return ko;
        for (int i = 0; i < magic.length; i++) if (ko[n - magic.length + i] != magic[i]) return ko;
        int info = n - magic.length - 12;
        long sigLen = ((ko[info + 8] & 0xffL) << 24) | ((ko[info + 9] & 0xff) << 16) | ((ko[info + 10] & 0xff) << 8)
                | (ko[info + 11] & 0xff);
        long keep = info - sigLen - (ko[info + 3] & 0xff) - (ko[info + 4] & 0xff);
        if (keep <= 0) throw ChirpException.corrupt("module signature longer than the module");
        return java.util.Arrays.copyOf(ko, (int) keep);
    }

    private static byte[] replaceAll(byte[] data, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.US_ASCII), t = to.getBytes(StandardCharsets.US_ASCII);
        byte[] out = data.clone();
        outer:
        for (int i = 0; i + f.length <= out.length; i++) {
            for (int j = 0; j < f.length; j++) if (out[i + j] != f[j]) continue outer;
            System.arraycopy(t, 0, out, i, t.length);
        }
        return out;
    }

    static GuestImage load(Path dir) throws IOException {
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve("image.properties"))) {
            props.load(in);
        }
        Map<String, String> files = new TreeMap<>();
        for (String k : props.stringPropertyNames()) {
            if (k.startsWith("disk.file.")) files.put(k.substring("disk.file.".length()), props.getProperty(k));
        }
        String builtin = props.getProperty("kernel.builtin", "");
        return new GuestImage(dir, dir.resolve("vmlinuz"), dir.resolve("initramfs.cpio.gz"), dir.resolve("disk.raw"),
                props.getProperty("kernel.release"), props.getProperty("kernel.package"),
                props.getProperty("kernel.request", DEFAULT_KERNEL),
                builtin.isEmpty() ? List.of() : List.of(builtin.split(",")), Map.copyOf(files));
    }

    /**
     * {@return the guest's init script} Its serial shell runs on the x86 console, {@code /dev/ttyS0}; an arm64 guest
     * has its console on the PL011, {@code /dev/ttyAMA0}. Only the foreign image's copy is rewritten, so the x86
     * images (keyed by the script's hash) stay what they were.
     */
    private byte[] initScript() {
        byte[] script = resource("init.sh");
        if (arch == GuestArch.X86_64) return script;
        return new String(script, StandardCharsets.UTF_8).replace("/dev/ttyS0", "/dev/" + arch.console())
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@return apt's record of a package of this image's architecture} On a foreign architecture apt may not know
     * it yet: the architecture is added to dpkg and the lists updated once, then asked again.
     */
    private String aptShow(String pkg) {
        try {
            return HostCommand.of(Path.of("/"), "apt-cache", "show", "--no-all-versions", arch.aptName(pkg)).run();
        } catch (ChirpException e) {
            if (arch.aptSetup().isEmpty()) throw e;
            for (List<String> c : arch.aptSetup()) HostCommand.of(Path.of("/"), c.toArray(String[]::new)).run();
            return HostCommand.of(Path.of("/"), "apt-cache", "show", "--no-all-versions", arch.aptName(pkg)).run();
        }
    }

    /**
     * {@return busybox-static for a foreign guest architecture} downloaded and unpacked (never installed) into the
     * image cache, once per package version.
     */
    private Path foreignBusybox() {
        String version = field(aptShow("busybox-static"), "Version");
        Path dir = home.images().resolve("busybox-" + arch.debianArch() + "-" + version.replaceAll("[^A-Za-z0-9.+~-]", "_"));
        Path bin = dir.resolve("bin/busybox");
        if (Files.isRegularFile(bin)) return bin;
        try {
            Files.createDirectories(home.images());
            Path tmp = Files.createTempDirectory(home.images(), "busybox-");
            try {
                HostCommand.of(tmp, "apt-get", "download", "-q", arch.aptName("busybox-static")).run();
                Path deb;
                try (Stream<Path> s = Files.list(tmp)) {
                    deb = s.filter(p -> p.toString().endsWith(".deb")).findFirst()
                            .orElseThrow(() -> ChirpException.unavailable("apt-get download gave no busybox-static"));
                }
                HostCommand.of(tmp, "dpkg-deb", "-x", deb.toString(), tmp.resolve("x").toString()).run();
                deleteTree(dir);
                Files.move(tmp.resolve("x"), dir, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                deleteTree(tmp);
            }
        } catch (IOException e) {
            throw ChirpException.io("cannot fetch busybox-static for " + arch.debianArch() + ": " + e.getMessage(), e);
        }
        if (!Files.isRegularFile(bin)) throw ChirpException.corrupt("busybox-static:" + arch.debianArch() + " has no bin/busybox");
        return bin;
    }

    private static Path busyboxPath() {
        for (String p : List.of("/bin/busybox", "/usr/bin/busybox")) {
            Path path = Path.of(p);
            if (Files.isExecutable(path)) {
                String out = HostCommand.of(Path.of("/"), "sh", "-c", "file -b " + p + " 2>/dev/null || true").run();
                if (out.contains("dynamically")) {
                    throw ChirpException.unavailable(p + " is dynamically linked; install busybox-static");
                }
                return path;
            }
        }
        throw ChirpException.unavailable("busybox not found; install it with: apt-get install busybox-static");
    }

    private static String field(String control, String name) {
        for (String line : control.split("\n")) {
            if (line.startsWith(name + ":")) return line.substring(name.length() + 1).strip();
        }
        return "";
    }

    static byte[] resource(String name) {
        try (InputStream in = GuestImageBuilder.class.getResourceAsStream(name)) {
            if (in == null) throw new ChirpException(ChirpException.Kind.INTERNAL, "missing resource " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw ChirpException.io("cannot read resource " + name, e);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw ChirpException.io("cannot read " + p, e);
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(String s) { return sha256(s.getBytes(StandardCharsets.UTF_8)); }

    private static void padTo(Path file, int align) throws IOException {
        long size = Files.size(file);
        long pad = (align - size % align) % align;
        if (pad > 0) Files.write(file, new byte[(int) pad], StandardOpenOption.APPEND);
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
