package io.chirp.detect.rule;

import java.util.List;

/**
 * A named search identifier of a rule's detection ({@code selection}, {@code filter_main_*}, {@code keywords}).
 * Sigma writes a map for an AND of field conditions and a list of maps for an OR of such ANDs; a plain list of
 * values is a keyword search, held here as one alternative with one keyword {@link FieldSpec}.
 *
 * @param name  the identifier
 * @param anyOf the alternatives (OR); each is a list of field conditions that must all hold (AND)
 */
public record Search(String name, List<List<FieldSpec>> anyOf) {
    public Search {
        anyOf = anyOf.stream().map(List::copyOf).toList();
        if (anyOf.isEmpty()) throw new IllegalArgumentException("search " + name + " is empty");
    }

    /** {@return every field condition of every alternative} */
    public List<FieldSpec> allSpecs() { return anyOf.stream().flatMap(List::stream).toList(); }
}
