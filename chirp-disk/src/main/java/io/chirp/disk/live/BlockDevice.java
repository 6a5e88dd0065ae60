package io.chirp.disk.live;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One block device of a running VM as QMP {@code query-block} reports it.
 *
 * @param device      the legacy device name ("" for -blockdev devices)
 * @param qdev        the guest device's QOM path, e.g. /machine/peripheral/vblk0/virtio-backend
 * @param nodeName    the top block node, which fleecing backs onto
 * @param driver      the top node's format driver (qcow2, raw, ...)
 * @param file        the image file QEMU opened for that node
 * @param virtualSize the guest-visible size in bytes
 * @param readOnly    whether the guest sees it read-only
 */
public record BlockDevice(String device, String qdev, String nodeName, String driver, String file, long virtualSize,
                          boolean readOnly) {

    /** {@return the devices with a medium inserted, from a {@code query-block} reply} */
    public static List<BlockDevice> fromQueryBlock(JsonNode reply) {
        List<BlockDevice> out = new ArrayList<>();
        for (JsonNode d : reply) {
            JsonNode ins = d.path("inserted");
            if (ins.isMissingNode() || ins.path("node-name").asText().isEmpty()) continue;
            out.add(new BlockDevice(d.path("device").asText(), d.path("qdev").asText(), ins.path("node-name").asText(),
                    ins.path("drv").asText(), ins.path("file").asText(), ins.path("image").path("virtual-size").asLong(),
                    ins.path("ro").asBoolean()));
        }
        return out;
    }

    /** {@return the device whose node, device name or qdev id is {@code wanted}; the first disk when empty} */
    public static Optional<BlockDevice> pick(List<BlockDevice> devices, Optional<String> wanted) {
        if (wanted.isEmpty()) return devices.stream().filter(d -> d.virtualSize() > 0).findFirst();
        String w = wanted.get();
        return devices.stream().filter(d -> d.nodeName().equals(w) || d.device().equals(w)
                || d.qdev().equals(w) || d.qdev().startsWith("/machine/peripheral/" + w + "/")).findFirst();
    }
}
