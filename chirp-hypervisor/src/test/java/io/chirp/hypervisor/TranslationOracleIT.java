package io.chirp.hypervisor;

import io.chirp.core.CpuState;
import io.chirp.core.PhysAddr;
import io.chirp.core.VirtAddr;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.paging.AddressSpace;
import io.chirp.paging.PagingMode;
import io.chirp.paging.TranslationResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * QEMU itself is the oracle: for many random addresses mapped in the current address space (kernel and user),
 * CHIRP's page walk from the RAM file must give what HMP {@code gva2gpa} gives. The guest is paused during the
 * comparison only so that QEMU's CR3 and ours are the same one.
 */
@WithLabGuest
class TranslationOracleIT {
    private static final Pattern RANGE = Pattern.compile("^([0-9a-f]{16})-([0-9a-f]{16}) ([0-9a-f]{16}) ([-urw]{3})",
            Pattern.MULTILINE);

    @Test
    void translationsMatchQemuGva2gpa(LabGuest g) throws Exception {
        // A user-mode busy loop, so the vCPU is caught with a process's CR3 (an idle vCPU has no user mappings).
        String pid = g.shell("(while :; do :; done) </dev/null >/dev/null 2>&1 & echo $!", java.time.Duration.ofSeconds(20)).strip();
        try (LiveVm live = LiveVm.attach(new VmInventory().find(g.name()))) {
            for (int tries = 0; tries < 100; tries++) {
                boolean[] user = new boolean[1];
                live.whilePaused(() -> user[0] = RANGE.matcher(live.qmp().orElseThrow().hmp("info mem")).find()
                        && live.qmp().orElseThrow().hmp("info mem").startsWith("0000"));
                if (user[0]) break;
                Thread.sleep(50);
            }
            QmpClient qmp = live.qmp().orElseThrow();
            List<String> mismatches = new ArrayList<>();
            int[] compared = new int[2];
            live.whilePaused(() -> {
                CpuState cpu = live.registers().getFirst();
                PagingMode mode = PagingMode.of(cpu.cr0().orElseThrow(), cpu.cr4().orElseThrow(), cpu.efer());
                AddressSpace as = AddressSpace.of(live.memory(), mode,
                        new PhysAddr(mode.rootFromCr3(cpu.cr3().orElseThrow())));
                List<long[]> ranges = new ArrayList<>();
                Matcher m = RANGE.matcher(qmp.hmp("info mem"));
                while (m.find()) {
                    ranges.add(new long[] {Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(3), 16)});
                }
                assertThat(ranges).as("info mem ranges").hasSizeGreaterThan(10);
                Random rnd = new Random(42);
                for (int n = 0; n < 400; n++) {
                    final int i = n;
                    // alternate user and kernel ranges: there are far more kernel ranges than user ones
                    List<long[]> pool = ranges.stream().filter(x -> (x[0] < 0) == (i % 2 == 1)).toList();
                    if (pool.isEmpty()) continue;
                    long[] r = pool.get(rnd.nextInt(pool.size()));
                    long va = r[0] + (Math.floorMod(rnd.nextLong(), r[1]) & ~7L);
                    String q = qmp.hmp("gva2gpa 0x" + Long.toHexString(va)).strip();
                    TranslationResult ours = as.translate(new VirtAddr(va));
                    compared[va < 0 ? 1 : 0]++;
                    if (q.startsWith("gpa: 0x")) {
                        long gpa = Long.parseUnsignedLong(q.substring(7), 16);
                        if (!(ours instanceof TranslationResult.Mapped mp) || mp.pa().value() != gpa) {
                            mismatches.add(Long.toHexString(va) + ": qemu " + q + ", chirp " + ours);
                        }
                    } else if (ours instanceof TranslationResult.Mapped) {
                        mismatches.add(Long.toHexString(va) + ": qemu " + q + ", chirp " + ours);
                    }
                }
            });
            g.shell("kill " + pid, java.time.Duration.ofSeconds(20));
            assertThat(mismatches).isEmpty();
            assertThat(compared[0]).as("user addresses compared").isPositive();
            assertThat(compared[1]).as("kernel addresses compared").isPositive();
        }
    }
}
