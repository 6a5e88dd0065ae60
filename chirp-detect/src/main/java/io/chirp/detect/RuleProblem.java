package io.chirp.detect;

/**
 * A rule that was skipped, and why.
 *
 * @param source the file (with {@code #N} for the N-th document of a multi-document file)
 * @param ruleId   the rule's id when it got far enough to have one, else null
 * @param category the rule's log source category when it has one, else null (for coverage by category)
 * @param reason   what is wrong, for the rule's author
 */
public record RuleProblem(String source, String ruleId, String category, String reason) {
    @Override public String toString() { return source + ": " + reason; }
}
