package io.chirp.events.build;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * OCSF objects (process, user, file, endpoint, device) written from CHIRP's facts. Unknown facts are left out
 * rather than written as placeholders, so a reader never mistakes "unknown" for a value.
 */
final class ObjectJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** OCSF file.type_id 1: Regular File. */
    private static final int REGULAR_FILE = 1;
    /** OCSF device.type_id 6: Virtual. */
    private static final int VIRTUAL_DEVICE = 6;

    private ObjectJson() {}

    static ObjectNode process(ProcessInfo p) {
        ObjectNode n = F.objectNode();
        n.put("pid", p.pid());
        if (p.uid() != null) n.put("uid", p.uid());
        n.put("name", p.name());
        if (p.cmdLine() != null) n.put("cmd_line", p.cmdLine());
        if (p.path() != null) n.set("file", file(p.path()));
        if (p.user() != null) n.set("user", user(p.user()));
        if (p.parent() != null) {
            ObjectNode pp = n.putObject("parent_process").put("pid", p.parent().pid());
            if (p.parent().name() != null) pp.put("name", p.parent().name());
            if (p.parent().cmdLine() != null) pp.put("cmd_line", p.parent().cmdLine());
        }
        if (p.createdTime() != null) n.put("created_time", p.createdTime());
        return n;
    }

    static ObjectNode user(UserInfo u) {
        ObjectNode n = F.objectNode().put("uid", u.uid());
        if (u.name() != null) n.put("name", u.name());
        return n;
    }

    /** A file by path; its name is the last path segment. */
    static ObjectNode file(String path) {
        int slash = path.lastIndexOf('/');
        String name = slash >= 0 && slash < path.length() - 1 ? path.substring(slash + 1) : path;
        return F.objectNode().put("name", name).put("path", path).put("type_id", REGULAR_FILE).put("type", "Regular File");
    }

    static ObjectNode endpoint(Endpoint e) {
        return F.objectNode().put("ip", e.ip()).put("port", e.port());
    }

    static ObjectNode actorProcess(ProcessInfo p) {
        ObjectNode a = F.objectNode();
        a.set("process", process(p));
        if (p.user() != null) a.set("user", user(p.user()));
        return a;
    }

    static ObjectNode device(VmIdentity vm) {
        ObjectNode n = F.objectNode();
        n.put("type_id", VIRTUAL_DEVICE).put("type", "Virtual");
        n.put("name", vm.vmName());
        if (vm.vmUuid() != null) n.put("uid", vm.vmUuid());
        n.put("hostname", vm.hypervisorHost());
        n.put("hypervisor", vm.hypervisor());
        return n;
    }

    static String hex(long address) { return String.format("0x%016x", address); }
}
