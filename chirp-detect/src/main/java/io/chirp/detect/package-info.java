/**
 * Detection: Sigma rules evaluated on CHIRP's events.
 *
 * <p>The contracts live here; the machinery in sub-packages.
 * <pre>
 *   rule YAML ──RuleLoader──▶ SigmaRule ──RuleCompiler──▶ CompiledRule ──RuleSet──┐
 *   (rule)                    (rule)      (eval, condition)            (eval)     ├─ Detector.outcomes(event) ─▶ Detection
 *   OCSF JSON ──OcsfPipeline──▶ SigmaEvent ───────────────────────────────────────┘        │
 *   (ocsf)                                                         DetectionFindings.toOcsf ▼
 *                                                                    OCSF Detection Finding (2004)
 * </pre>
 *
 * <ul>
 * <li>{@link io.chirp.detect.SigmaEvent}: what a rule sees, values by Sigma field name plus a {@link
 *     io.chirp.detect.LogSource}; a rule runs only on events its log source covers.</li>
 * <li>{@link io.chirp.detect.Detector}: a rule set, compiled as a whole ({@link io.chirp.detect.eval.RuleSet}: the
 *     literals of all rules matched in one Aho–Corasick pass per field, only rules whose literals occur evaluated),
 *     loaded from a folder (bad rules become {@link
 *     io.chirp.detect.RuleProblem}s, the rest load) or CHIRP's shipped rules ({@link io.chirp.detect.Detector#shipped}).</li>
 * <li>{@link io.chirp.detect.Detection}: a rule that fired, with its evidence, as a value.</li>
 * </ul>
 *
 * <p>Rules and events are untrusted: a rule is bounded in size, nesting and regex work (a regex longer than
 * {@link io.chirp.detect.eval.BoundedRegex#MAX_PATTERN} or repeating more than {@link
 * io.chirp.detect.eval.BoundedRegex#MAX_REPEAT} times is a rule problem at load); an event value is matched
 * without backtracking except in {@code re}, which runs under a step budget. Evaluation is three-valued
 * ({@link io.chirp.detect.eval.Truth}): a regex out of budget is unknown, and a rule whose condition it leaves
 * open is {@link io.chirp.detect.RuleOutcome.Undecided}, never a silent miss ({@link
 * io.chirp.detect.Detector#outcomes}).
 */
package io.chirp.detect;
