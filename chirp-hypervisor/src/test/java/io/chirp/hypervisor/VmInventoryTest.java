package io.chirp.hypervisor;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class VmInventoryTest {

    @Test
    void parsesALibvirtStyleCommandLine() {
        List<String> argv = List.of("/usr/bin/qemu-system-x86_64", "-name", "guest=web01,debug-threads=on",
                "-uuid", "8f1c0f7e-0000-4000-8000-000000000001", "-m", "size=4194304k",
                "-object", "{\"qom-type\":\"memory-backend-ram\"}",
                "-chardev", "socket,id=charmonitor,fd=30,server=on,wait=off",
                "-mon", "chardev=charmonitor,id=monitor,mode=control");
        QemuVm vm = VmInventory.parse(42, argv);
        assertThat(vm.name()).isEqualTo("web01");
        assertThat(vm.uuid()).contains("8f1c0f7e-0000-4000-8000-000000000001");
        assertThat(vm.memoryBytes()).isEqualTo(4L << 30);
        assertThat(vm.ramFile()).isEmpty();
        assertThat(vm.memoryPath()).isEqualTo(QemuVm.MemoryPath.NONE);
    }

    @Test
    void parsesTheLabStyleCommandLine() {
        List<String> argv = List.of("qemu-system-x86_64", "-name", "lab-1", "-m", "512M",
                "-object", "memory-backend-file,id=mem,size=512M,mem-path=/dev/shm/x.ram,share=on",
                "-qmp", "unix:/tmp/q.sock,server=on,wait=off", "-gdb", "tcp:127.0.0.1:4321");
        QemuVm vm = VmInventory.parse(7, argv);
        assertThat(vm.name()).isEqualTo("lab-1");
        assertThat(vm.ramFile()).contains(Path.of("/dev/shm/x.ram"));
        assertThat(vm.ramBackend()).isEqualTo("mem");
        assertThat(vm.ramShared()).isTrue();
        assertThat(vm.qmpSocket()).contains(Path.of("/tmp/q.sock"));
        assertThat(vm.gdbPort()).isEqualTo(4321);
        assertThat(vm.memoryBytes()).isEqualTo(512L << 20);
    }

    @Test
    void doubledCommasAreEscapes() {
        assertThat(VmInventory.options("memory-backend-file,mem-path=/a,,b,share=on", "qom-type"))
                .containsEntry("mem-path", "/a,b").containsEntry("share", "on");
    }

    @Test
    void libvirtsJsonRamBackendIsFoundAndItsPlainSizeIsBytes() {
        List<String> argv = List.of("/usr/bin/qemu-system-x86_64", "-name", "guest=lab-lv,debug-threads=on",
                "-m", "size=524288k",
                "-object", "{\"qom-type\":\"memory-backend-file\",\"id\":\"pc.ram\",\"mem-path\":\"/dev/shm/l/pc.ram\","
                        + "\"share\":true,\"size\":536870912}");
        QemuVm vm = VmInventory.parse(9, argv);
        assertThat(vm.ramFile()).contains(Path.of("/dev/shm/l/pc.ram"));
        assertThat(vm.ramBackend()).isEqualTo("pc.ram");
        assertThat(vm.ramShared()).isTrue();
        assertThat(vm.memoryBytes()).isEqualTo(512L << 20);
    }
}
