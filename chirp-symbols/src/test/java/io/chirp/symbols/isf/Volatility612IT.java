package io.chirp.symbols.isf;

import io.chirp.lab.WithLabGuest;

import java.util.List;

/**
 * {@link VolatilityChecks} on Debian's 6.12 generic kernel: the layouts Volatility reads (maple tree VMAs, the
 * printk ringbuffer, x64_sys_call dispatch, {@code kernel_cap_t} as a typedef'd anonymous struct) differ from 6.1,
 * and the ISF comes from this kernel's own BTF.
 */
@WithLabGuest(kernel = "linux-image-6.12-amd64", shared = false)
class Volatility612IT extends VolatilityChecks {
    /**
     * The pinned Volatility 3 (2.11.0) takes a mount from the namespace's rbtree with {@code container_of(node,
     * mount, mnt_list)}; since Linux commit 344bac8f0d73 (in Debian's 6.12) {@code mnt_list} is no longer in the
     * union with {@code mnt_node}, so every mount it yields is misplaced. Fixed upstream by volatility3 PR #1868
     * ("Fix broken mount enumeration on 6.13+"), after the pinned tree. CHIRP's ISF has both members at their real
     * offsets (from BTF); CHIRP's own {@code linux mounts} walks {@code mnt_node}. What the misplaced members
     * hold decides how it fails: mountinfo prints no rows, or stops on a page fault (seen in CI).
     */
    private static final String MOUNTS = "volatility3 2.11.0 casts mount rbtree nodes through mnt_list (PR #1868)";

    @Override protected List<PeerBug> peerBugs() {
        return List.of(
                new PeerBug("linux.mountinfo.MountInfo", MOUNTS, "", "Page Fault at entry"),
                new PeerBug("linux.pagecache.Files", MOUNTS, "Page Fault at entry"));
    }
}
