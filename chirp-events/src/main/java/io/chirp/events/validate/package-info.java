/**
 * Validation of OCSF events against a compiled {@link io.chirp.events.schema.OcsfSchema}, following the checks of
 * the schema server's validator: required attributes, unknown attributes (profiles not declared in
 * {@code metadata.profiles} do not count), types of every value down through nested objects and arrays, enum
 * values, constraints, {@code type_uid = class_uid * 100 + activity_id}, and the declared profiles and version.
 *
 * <pre>
 *   event JSON ─► EventValidator ─► ValidationReport (errors, warnings: each a Violation with a path)
 * </pre>
 */
package io.chirp.events.validate;
