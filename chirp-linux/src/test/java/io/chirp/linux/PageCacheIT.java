package io.chirp.linux;

import io.chirp.hypervisor.LiveVm;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.fs.PageCache;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Files from the page cache of the standard lab guest, held to the guest's own stat and sha256sum. */
@WithLabGuest
class PageCacheIT {

    record Extracted(PageCache.Extraction result, byte[] bytes, String sha256) {}

    static Extracted extract(PageCache pc, PageCache.CachedFile f) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PageCache.Extraction x = pc.extract(f, 64L << 20, out::write);
        byte[] b = out.toByteArray();
        assertThat((long) b.length).isEqualTo(x.bytesWritten());
        return new Extracted(x, b, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)));
    }

    @Test
    void theDropperOnTmpfsComesOutByteExact(LabGuest g) throws Exception {
        List<String> truth = g.shell("sha256sum /tmp/evil_miner; stat -c '%s %i' /tmp/evil_miner", Duration.ofSeconds(120))
                .lines().toList();
        String sha = truth.get(0).split("\\s+")[0];
        long size = Long.parseLong(truth.get(1).split(" ")[0]), ino = Long.parseLong(truth.get(1).split(" ")[1]);
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            PageCache pc = new PageCache(k);
            PageCache.Listing l = pc.list(false);
            assertThat(l.complete()).as(l.problems().toString()).isTrue();
            PageCache.CachedFile f = PageCache.find(l, "/tmp/evil_miner", null, null).stream().findFirst().orElseThrow();
            assertThat(f.inode()).isEqualTo(ino);
            assertThat(f.size()).isEqualTo(size);
            assertThat(f.mountPoint()).isEqualTo("/tmp");
            assertThat(f.fsType()).isEqualTo("tmpfs");
            assertThat(f.deleted()).isFalse();
            assertThat(f.residentPages()).isEqualTo(f.pages()); // tmpfs: the page cache is the file
            assertThat(PageCache.find(l, null, ino, "/tmp")).containsExactly(f);
            Extracted x = extract(pc, f);
            assertThat(x.result().complete()).as(x.result().problems().toString()).isTrue();
            assertThat(x.result().pagesRead()).isEqualTo(f.pages());
            assertThat(x.sha256()).isEqualTo(sha);
        }
    }

    @Test
    void everyMountedFileSystemIsListedWithTheGuestsOwnSizes(LabGuest g) throws Exception {
        // the guest's own list of some files, on the initramfs root, /tmp and the ext4 data disk
        List<String> truth = g.shell("stat -c '%n %s %i' /init /tmp/beacon.sh /mnt/data/secret.txt", Duration.ofSeconds(120))
                .lines().toList();
        try (LiveVm live = Guests.live(g)) {
            PageCache.Listing l = new PageCache(LinuxKernel.attach(live.memory(), live.registers())).list(false);
            assertThat(l.files()).extracting(PageCache.CachedFile::fsType).contains("rootfs", "tmpfs", "ext4");
            assertThat(l.files()).extracting(PageCache.CachedFile::fsType).doesNotContain("proc", "sysfs");
            for (String line : truth) {
                String[] t = line.split(" ");
                PageCache.CachedFile f = PageCache.find(l, t[0], null, null).stream().findFirst()
                        .orElseThrow(() -> new AssertionError(t[0] + " not listed"));
                assertThat(f.size()).as(t[0]).isEqualTo(Long.parseLong(t[1]));
                assertThat(f.inode()).as(t[0]).isEqualTo(Long.parseLong(t[2]));
            }
        }
    }
}
