package io.chirp.events.build;

import java.util.List;
import java.util.Objects;

/**
 * The analytic behind a finding: a detection rule or one of CHIRP's integrity checks.
 *
 * @param uid   stable rule id (a Sigma rule id, or chirp.integrity.*)
 * @param name  short rule name
 * @param title finding title shown to the analyst
 * @param desc  what the rule detects, or null
 * @param types finding types (OCSF finding_info.types), e.g. "Reverse Shell"
 */
public record Rule(String uid, String name, String title, String desc, List<String> types) {
    public Rule {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(title, "title");
        types = List.copyOf(types);
    }
}
