package io.chirp.symbols.btf;

import io.chirp.core.PhysicalMemory;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.symbols.lab.LiveMemory;
import io.chirp.symbols.types.BtfType;
import io.chirp.symbols.types.TypeModel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@WithLabGuest
class BtfScannerIT {

    @Test
    void vmlinuxBtfMatchesTheGuestAndReadsInitTaskComm(LabGuest g) {
        long sysSize = Long.parseLong(g.groundTruth().section("btf").getFirst().strip().split("\\s+")[0]);
        Map<String, Long> ks = g.groundTruth().kallsyms();
        try (PhysicalMemory mem = LiveMemory.of(g)) {
            BtfScanner.VmlinuxBtf btf = new BtfScanner().vmlinux(mem);
            assertThat(btf.blob().size()).isEqualTo(sysSize);
            assertThat(btf.blob().size()).isEqualTo(ks.get("__stop_BTF") - ks.get("__start_BTF"));
            TypeModel t = btf.types();
            long tasks = t.offsetOf("task_struct", "tasks");
            long pid = t.offsetOf("task_struct", "pid");
            long tgid = t.offsetOf("task_struct", "tgid");
            long comm = t.offsetOf("task_struct", "comm");
            long size = t.sizeOf("task_struct");
            assertThat(List.of(tasks, pid, tgid, comm)).allSatisfy(o -> assertThat(o).isBetween(8L, size - 8));
            assertThat(tgid).isEqualTo(pid + 4);
            assertThat(t.sizeOf(t.memberPath("task_struct", "comm").type())).isEqualTo(16);
            assertThat(t.sizeOf("list_head")).isEqualTo(16);
            assertThat(t.resolve(t.memberPath("task_struct", "thread_pid").type())).isInstanceOf(BtfType.Ptr.class);
            assertThat(t.offsetOf("sock", "__sk_common.skc_dport")).isBetween(8L, 64L);

            // phys = kernelPhys + (va - _text): the image is mapped linearly.
            long kernelPhys = g.groundTruth().kernelCodePhys().orElseThrow();
            long initTask = kernelPhys + (ks.get("init_task") - ks.get("_text"));
            byte[] name = mem.readBytes(initTask + comm, 16);
            assertThat(new String(name, StandardCharsets.ISO_8859_1)).startsWith("swapper/0\0");
            assertThat(mem.readInt(initTask + pid)).isZero();
            long next = mem.readLong(initTask + tasks);
            assertThat(next >>> 47).as("tasks.next is a kernel pointer").isEqualTo(0x1ffffL);
        }
    }

    @Test
    void moduleSplitBtfParsesOnTopOfVmlinux(LabGuest g) {
        try (PhysicalMemory mem = LiveMemory.of(g)) {
            BtfScanner scanner = new BtfScanner();
            BtfScanner.VmlinuxBtf vmlinux = scanner.vmlinux(mem);
            int parsed = 0;
            for (BtfBlob b : scanner.find(mem)) {
                if (b.size() >= vmlinux.blob().size()) continue;
                try {
                    TypeModel m = BtfParser.parseSplit(BtfScanner.bytes(mem, b), vmlinux.bytes(), vmlinux.types());
                    if (m.findStruct("ext4_sb_info").isPresent()) {
                        assertThat(m.offsetOf("ext4_sb_info", "s_sb")).isGreaterThanOrEqualTo(0);
                        parsed++;
                    }
                } catch (io.chirp.core.ChirpException e) {
                    // stale or partial copies in freed pages are expected
                }
            }
            assertThat(parsed).as("ext4 module BTF copies parsed").isGreaterThanOrEqualTo(1);
        }
    }
}
