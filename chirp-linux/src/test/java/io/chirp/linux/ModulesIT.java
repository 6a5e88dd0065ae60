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

    /** /proc/modules: "name size refcount deps, state address"; the default kernel has many, none tainted. */
    static void check(List<ModuleInfo> ours, List<String> procModules) {
        assertThat(procModules).hasSizeGreaterThan(10);
        OtherKernelsIT.Views.checkModules(ours, procModules);
        assertThat(ours).allSatisfy(m -> assertThat(m.taints()).as(m.name()).isEmpty());
    }
}
