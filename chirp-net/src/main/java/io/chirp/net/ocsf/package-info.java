/**
 * OCSF output: flows as OCSF 1.8.0 Network Activity events, the format the rest of CHIRP streams.
 *
 * <pre>
 *   Flow + NetworkActivity.Context(vm name, uid, MAC, version) --NetworkActivity.event--> JSON (class 4001)
 * </pre>
 */
package io.chirp.net.ocsf;
