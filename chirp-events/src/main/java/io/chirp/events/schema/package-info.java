/**
 * The OCSF schema, compiled from its source files the way the OCSF schema server does it.
 *
 * <pre>
 *   dictionary.json ─┐
 *   categories.json ─┤
 *   profiles/*.json ─┼─► SchemaLoader ──► OcsfSchema ──► (classes, objects, data types, profiles)
 *   events/**.json  ─┤     $include (profile attributes are tagged with their profile)
 *   objects/*.json  ─┤     extension patches, `extends` chains, dictionary enrichment,
 *   extensions/*    ─┘     derived class_uid / category_uid / type_uid enums, *_dt attributes
 * </pre>
 *
 * {@link io.chirp.events.schema.SchemaLocator} finds the source folder (the shared reference data during
 * development and tests). The compiled model is immutable and safe to share between threads.
 */
package io.chirp.events.schema;
