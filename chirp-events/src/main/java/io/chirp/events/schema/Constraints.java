package io.chirp.events.schema;

import java.util.List;

/**
 * Cross-attribute rules of a class or object.
 *
 * @param atLeastOne at least one of these attributes must be present (empty: no rule)
 * @param justOne    exactly one of these attributes must be present (empty: no rule)
 */
public record Constraints(List<String> atLeastOne, List<String> justOne) {
    public static final Constraints NONE = new Constraints(List.of(), List.of());

    public Constraints {
        atLeastOne = List.copyOf(atLeastOne);
        justOne = List.copyOf(justOne);
    }
}
