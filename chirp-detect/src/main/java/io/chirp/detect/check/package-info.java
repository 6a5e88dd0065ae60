/**
 * Rule checks: does a rule work on CHIRP's events? {@link io.chirp.detect.check.RuleCheck} loads a folder and, for
 * each rule, proves the evaluator end to end: it builds an event from the rule's own selections that must make it
 * fire, and a benign event that must not. The report lists every rule that fails and why (invalid, log source
 * CHIRP does not produce, field not in the {@link io.chirp.detect.ocsf.OcsfPipeline} mapping, no firing event,
 * fires on benign). Used by {@code chirp rules check DIR} and the SigmaHQ coverage test.
 */
package io.chirp.detect.check;
