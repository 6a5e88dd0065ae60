/**
 * Builders of CHIRP's OCSF events from typed facts about a VM.
 *
 * <pre>
 *   EventContext (VM identity, product version, host clock)
 *     + facts: ProcessInfo, KernelModule, Endpoint, file path, Rule
 *     → ProcessActivity | ModuleActivity | NetworkActivity | FileSystemActivity | DetectionFinding | IntegrityFinding
 *     → build() → OcsfEvent
 * </pre>
 *
 * Every event carries the same header: classification (class, category, activity, type, severity with their
 * captions), {@code time} (the guest's time of the event when known, else the host's time of observation),
 * {@code metadata} (OCSF version, product, a fresh uid, {@code logged_time} = host time, declared profiles) and
 * {@code device} = the VM (name, UUID, {@code type_id} 6 Virtual, {@code hypervisor}). CHIRP-specific values go in
 * {@code unmapped}, the one place OCSF leaves open. Every builder's output is validated against the real schema in
 * the tests.
 */
package io.chirp.events.build;
