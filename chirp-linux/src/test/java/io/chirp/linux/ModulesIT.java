package io.chirp.linux;

import io.chirp.hypervisor.LiveVm;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

@WithLabGuest
class ModulesIT {

    @Test
    void liveModuleListMatchesProcModules(LabGuest g) {
        try (LiveVm live = Guests.live(g)) {
            Modules.Listing l = new Modules(LinuxKernel.attach(live.memory(), live.registers())).list();
            assertThat(l.walk().complete()).as(l.walk().problem()).isTrue();
            check(l.modules(), g.groundTruth().section("modules"));
        }
    }

    @Test
    void moduleListFromAQemuDumpMatchesToo(LabGuest g, @TempDir Path dir) throws Exception {
        try (MemoryImage img = MemoryImages.open(Guests.qemuDump(g, dir))) {
            Modules.Listing l = new Modules(LinuxKernel.attach(img.memory(), List.of())).list();
            assertThat(l.walk().complete()).isTrue();
            check(l.modules(), g.groundTruth().section("modules"));
        }
    }

    @Test
    void parametersMatchSysfs(LabGuest g) {
        // /sys/module/M/parameters/P prints each value through the parameter's own get()
        String out = g.shell("(cd /sys/module/virtio_net/parameters && for f in *; do echo \"$f=$(cat $f)\"; done)",
                Duration.ofSeconds(30));
        Map<String, String> sysfs = out.lines().filter(s -> s.contains("="))
                .collect(Collectors.toMap(s -> s.substring(0, s.indexOf('=')), s -> s.substring(s.indexOf('=') + 1)));
        assertThat(sysfs).isNotEmpty();
        try (LiveVm live = Guests.live(g)) {
            ModuleInfo net = new Modules(LinuxKernel.attach(live.memory(), live.registers())).list().modules().stream()
                    .filter(m -> m.name().equals("virtio_net")).findFirst().orElseThrow();
            Map<String, String> ours = net.parameters().stream().filter(p -> p.value() != null)
                    .collect(Collectors.toMap(ModuleInfo.Param::name, ModuleInfo.Param::value));
            assertThat(ours).containsAllEntriesOf(sysfs);
            assertThat(net.parameters()).extracting(ModuleInfo.Param::type).contains("bool", "int");
        }
    }

    /** /proc/modules: "name size refcount deps, state address". */
    static void check(List<ModuleInfo> ours, List<String> procModules) {
        assertThat(procModules).hasSizeGreaterThan(10);
        Map<String, ModuleInfo> byName = ours.stream().collect(Collectors.toMap(ModuleInfo::name, Function.identity()));
        assertThat(byName.keySet()).containsExactlyInAnyOrderElementsOf(
                procModules.stream().map(l -> l.split(" ")[0]).toList());
        for (String line : procModules) {
            String[] f = line.split(" ");
            ModuleInfo m = byName.get(f[0]);
            assertThat(m.problems()).as(f[0]).isEmpty();
            assertThat(m.size()).as("size of %s", f[0]).isEqualTo(Long.parseLong(f[1]));
            assertThat(m.refcount()).as("refcount of %s", f[0]).isEqualTo(Integer.parseInt(f[2]));
            assertThat(m.state()).isEqualTo(f[4].toUpperCase());
            assertThat(m.base()).as("base of %s", f[0]).isEqualTo(Long.parseUnsignedLong(f[5].substring(2), 16));
            assertThat(m.taints()).isEmpty();
        }
    }
}
