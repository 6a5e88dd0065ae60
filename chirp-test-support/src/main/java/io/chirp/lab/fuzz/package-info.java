/**
 * Fuzzing support shared by every module's fuzz targets (Jazzer {@code @FuzzTest}s in each module's tests).
 *
 * <pre>
 *   src/test/resources/&lt;package&gt;/&lt;Class&gt;Inputs/&lt;method&gt;/   seeds and every crash found: replayed by mvn verify
 *        |
 *   &#64;FuzzTest target(bytes) ── FuzzCheck.check ── parser      only ChirpException escapes; time and allocation capped
 *        |
 *   JAZZER_FUZZ=1 (bench/fuzz)                                 coverage-guided fuzzing, findings saved to the Inputs folder
 * </pre>
 */
package io.chirp.lab.fuzz;
