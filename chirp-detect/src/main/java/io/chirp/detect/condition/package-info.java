/**
 * Sigma conditions: the AST ({@link io.chirp.detect.condition.Condition}) and a recursive-descent parser with
 * Sigma's precedence (not &gt; and &gt; or), parentheses, and the quantifiers {@code 1 of x*}, {@code all of x*},
 * {@code N of them}. Depth and length are bounded: a condition is input from a rule file. Aggregations
 * ({@code | count() ...}) are refused with a clear reason.
 */
package io.chirp.detect.condition;
