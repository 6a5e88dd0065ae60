/**
 * The Sigma rule model and its YAML loader: {@link io.chirp.detect.rule.SigmaRule} (metadata, log source,
 * detection), {@link io.chirp.detect.rule.Search} (named selections: an OR of ANDs of
 * {@link io.chirp.detect.rule.FieldSpec}s, or keywords), {@link io.chirp.detect.rule.RuleParser} (shape checks)
 * and {@link io.chirp.detect.rule.RuleLoader} (files, folders, multi-document collections with
 * {@code action: global/reset/repeat}; a bad rule is a problem, not an exception).
 *
 * <p>Nothing here interprets values or modifiers; that is {@link io.chirp.detect.eval}'s job, so that a rule that
 * parses but uses an unknown modifier is reported by the compiler with the same file-and-reason shape.
 */
package io.chirp.detect.rule;
