package io.chirp.events.build;

import java.util.Objects;

/**
 * A guest user.
 *
 * @param uid  user id as text (OCSF user.uid is a string); for Linux the numeric uid
 * @param name user name if resolved (from the guest's passwd), else null
 */
public record UserInfo(String uid, String name) {
    public UserInfo {
        Objects.requireNonNull(uid, "uid");
    }

    /** {@return a Linux user by numeric uid} */
    public static UserInfo linux(long uid, String name) { return new UserInfo(Long.toString(uid), name); }
}
