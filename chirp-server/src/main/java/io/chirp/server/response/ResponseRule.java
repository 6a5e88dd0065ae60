package io.chirp.server.response;

import io.chirp.detect.Level;
import io.chirp.hypervisor.VmAcquisition;
import io.chirp.disk.acquire.DiskAcquisition;
import io.chirp.memory.ImageFormat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One response rule: when an alert matches {@link #when}, collect {@link #collect} into the alert's case.
 *
 * @param id      unique id ({@code [A-Za-z0-9_-]{1,64}}), recorded in custody with every artifact it collects
 * @param title   one line
 * @param when    which alerts
 * @param collect what to collect
 * @param limit   how often
 * @param caseBy  which automatic case an alert without one goes to
 */
public record ResponseRule(String id, String title, When when, Collect collect, Limit limit, CaseBy caseBy) {
    /** Which automatic case. */
    public enum CaseBy { vm, alert }

    /**
     * Which alerts a rule answers; every condition given must hold (an absent one holds always).
     *
     * @param rules    the detection rule ids (any of them)
     * @param minLevel the alert's level at least this
     * @param tags     the rule has any of these tags
     * @param vms      the VM's name matches any of these globs ({@code *} and {@code ?})
     */
    public record When(Set<String> rules, Level minLevel, Set<String> tags, List<String> vms) {
        public When {
            rules = Set.copyOf(rules);
            tags = Set.copyOf(tags);
            vms = List.copyOf(vms);
        }

        /** {@return true if an alert of rule {@code ruleId} at {@code level} with {@code ruleTags} on {@code vm} matches} */
        public boolean matches(String ruleId, Level level, List<String> ruleTags, String vm) {
            if (!rules.isEmpty() && !rules.contains(ruleId)) return false;
            if (minLevel != null && (level == null || level.compareTo(minLevel) < 0)) return false;
            if (!tags.isEmpty() && ruleTags.stream().noneMatch(tags::contains)) return false;
            return vms.isEmpty() || vms.stream().anyMatch(g -> glob(g).matcher(vm).matches());
        }

        private static Pattern glob(String g) {
            StringBuilder sb = new StringBuilder();
            for (char c : g.toCharArray()) {
                sb.append(switch (c) {
                    case '*' -> ".*";
                    case '?' -> ".";
                    default -> Pattern.quote(String.valueOf(c));
                });
            }
            return Pattern.compile(sb.toString());
        }
    }

    /**
     * What to collect.
     *
     * @param memory     a memory image in this mode, or null for none
     * @param format     the image's format
     * @param capture    this long of network traffic, or null for none
     * @param maps       the memory maps of the alert's process
     * @param executable the alert's process's executable, from the guest's disk
     * @param files      these guest paths, from the guest's disks
     * @param disk       a point-in-time image of the VM's first disk in this format, or null for none
     */
    public record Collect(VmAcquisition.Mode memory, ImageFormat format, Duration capture, boolean maps, boolean executable,
                          List<String> files, DiskAcquisition.Format disk) {
        public Collect {
            files = List.copyOf(files);
        }

        /** {@return true if it collects nothing} */
        public boolean nothing() { return memory == null && capture == null && !maps && !executable && files.isEmpty() && disk == null; }
    }

    /**
     * How often.
     *
     * @param perVm   at most this many collections per VM ...
     * @param window  ... in this window (also how long an identical alert is a duplicate)
     */
    public record Limit(int perVm, Duration window) {}
}
