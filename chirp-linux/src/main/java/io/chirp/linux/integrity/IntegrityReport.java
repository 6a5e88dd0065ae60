package io.chirp.linux.integrity;

import java.util.List;

/**
 * What a run of integrity checks found. Each check is a {@link Section}; a section that could not look at
 * everything says so ({@code complete == false} and its problems), so "no findings" is never confused with
 * "could not tell".
 *
 * @param sections one per check, in the order they ran
 */
public record IntegrityReport(List<Section> sections) {
    public IntegrityReport { sections = List.copyOf(sections); }

    /**
     * The outcome of one check.
     *
     * @param check    its name ("hidden_modules", "syscall_table", ...)
     * @param examined how many objects it looked at (entries, gates, tasks...)
     * @param findings what it found
     * @param complete false if part of what it should examine could not be read
     * @param problems why it is incomplete
     */
    public record Section(String check, int examined, List<IntegrityFinding> findings, boolean complete,
                          List<String> problems) {
        public Section {
            findings = List.copyOf(findings);
            problems = List.copyOf(problems);
        }

        /** {@return a section for a check that could not run at all} */
        public static Section failed(String check, String why) {
            return new Section(check, 0, List.of(), false, List.of(why));
        }
    }

    /** {@return every finding of every section} */
    public List<IntegrityFinding> findings() {
        return sections.stream().flatMap(s -> s.findings().stream()).toList();
    }

    /** {@return the findings at or above {@code min}} */
    public List<IntegrityFinding> findings(IntegrityFinding.Severity min) {
        return findings().stream().filter(f -> f.severity().compareTo(min) >= 0).toList();
    }

    /** {@return true if every check ran to completion} */
    public boolean complete() { return sections.stream().allMatch(Section::complete); }

    /** {@return the section of one check} */
    public java.util.Optional<Section> section(String check) {
        return sections.stream().filter(s -> s.check().equals(check)).findFirst();
    }
}
