package io.chirp.events.validate;

import java.util.List;
import java.util.stream.Stream;

/**
 * The result of validating one event: errors make the event invalid, warnings do not.
 *
 * @param errors   violations of the schema
 * @param warnings suspicious but allowed (missing recommended attributes, enum captions that do not match...)
 */
public record ValidationReport(List<Violation> errors, List<Violation> warnings) {
    public ValidationReport {
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
    }

    /** {@return true if there are no errors} */
    public boolean isValid() { return errors.isEmpty(); }

    /** {@return true if some error has this kind} */
    public boolean hasError(Violation.Kind kind) { return errors.stream().anyMatch(v -> v.kind() == kind); }

    /** {@return true if some error has this kind at exactly this path} */
    public boolean hasError(Violation.Kind kind, String path) {
        return errors.stream().anyMatch(v -> v.kind() == kind && v.path().equals(path));
    }

    @Override public String toString() {
        return Stream.concat(errors.stream().map(v -> "error: " + v), warnings.stream().map(v -> "warning: " + v))
                .reduce((a, b) -> a + "\n" + b).orElse("valid");
    }
}
