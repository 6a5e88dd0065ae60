/**
 * Compiling rules into predicates over {@link io.chirp.detect.SigmaEvent}s.
 *
 * <pre>
 *   FieldSpec ──FieldCompiler──▶ FieldCondition (Values | Keywords | Exists)
 *                                   └─ ValueMatcher (Glob | Regex | Cidr | Compare | FieldRef)
 *   Condition ──RuleCompiler───▶ Node tree over search indexes ──▶ CompiledRule.matches / evaluate
 *   CompiledRule* ──RuleSet────▶ per category: RuleAnchors prefilters + one Aho–Corasick automaton per field
 * </pre>
 *
 * <p>Each rule is compiled once. Plain values, {@code contains}, {@code startswith} and {@code endswith} become
 * {@link io.chirp.detect.eval.GlobPattern}s, matched without backtracking; {@code re} becomes a
 * {@link io.chirp.detect.eval.BoundedRegex} (input length and step budget bounded). Matching is case-insensitive
 * unless {@code cased}; regexes are case-sensitive unless {@code re|i}, as Sigma specifies.
 */
package io.chirp.detect.eval;
