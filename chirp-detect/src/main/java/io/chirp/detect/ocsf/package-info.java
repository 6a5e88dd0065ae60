/**
 * The processing pipeline from CHIRP's OCSF 1.8.0 events to Sigma's Linux field taxonomy
 * ({@link io.chirp.detect.ocsf.OcsfPipeline}, table in code; this is the same table in prose).
 *
 * <p>Product is always {@code linux}. Category from class and activity:
 * <table>
 * <caption>Categories</caption>
 * <tr><th>OCSF class (activity)</th><th>Sigma category</th></tr>
 * <tr><td>Process Activity 1007 (1 Launch)</td><td>process_creation</td></tr>
 * <tr><td>Process Activity 1007 (5 Set User ID)</td><td>chirp_credentials (CHIRP)</td></tr>
 * <tr><td>Network Activity 4001 (1 Open)</td><td>network_connection</td></tr>
 * <tr><td>Network Activity 4001 (7 Listen)</td><td>socket_listen (CHIRP)</td></tr>
 * <tr><td>File System Activity 1001 (1 Create / 3 Update / 4 Delete / 5 Rename)</td>
 *     <td>file_event / file_change / file_delete / file_rename</td></tr>
 * <tr><td>Module Activity 1005 or Kernel Extension Activity 1002 (1 Load)</td><td>driver_load</td></tr>
 * <tr><td>Detection Finding 2004 whose analytic is not a rule (type_id != 1)</td><td>chirp_integrity (CHIRP)</td></tr>
 * </table>
 * Other activities (exit, close, read ...) map to nothing and are not evaluated.
 *
 * <p>User and UserId are the effective identity (euid): that is what privilege rules ask about.
 *
 * <p>Fields ({@code a | b}: the first present):
 * <ul>
 * <li><b>process_creation</b>: Image ← process.file.path | process.path; CommandLine ← process.cmd_line;
 *     ProcessId ← process.pid; User ← process.user.name; UserId ← process.user.uid (CHIRP);
 *     CurrentDirectory ← process.working_directory; OriginalFileName ← process.file.name (Linux has no PE
 *     original name; the executable's file name is the closest); LogonId ← process.session.uid (the task's
 *     loginuid, as Sysmon for Linux reports it); ParentImage ← process.parent_process.file.path |
 *     process.parent_process.path | actor.process.file.path | actor.process.path; ParentCommandLine ←
 *     process.parent_process.cmd_line | actor.process.cmd_line; ParentProcessId ← process.parent_process.pid |
 *     actor.process.pid; ParentUser ← process.parent_process.user.name | actor.process.user.name |
 *     actor.user.name.</li>
 * <li><b>chirp_credentials</b> (a process changed identity; OCSF puts the new identity on the process and the
 *     requesting, old one on the actor): Image, CommandLine, ProcessId, User, UserId as above; PreviousUser ←
 *     actor.user.name; PreviousUserId ← actor.user.uid; ParentImage.</li>
 * <li><b>network_connection</b>: Image ← actor.process.file.path | actor.process.path; CommandLine ←
 *     actor.process.cmd_line; ProcessId ← actor.process.pid; User ← actor.user.name | actor.process.user.name;
 *     DestinationIp/DestinationPort ← dst_endpoint.ip/port; DestinationHostname ← dst_endpoint.hostname |
 *     dst_endpoint.domain; SourceIp/SourcePort ← src_endpoint.ip/port; Protocol ← connection_info.protocol_name;
 *     Initiated ← "true" when connection_info.direction_id is 2 (Outbound), "false" when 1 (Inbound).</li>
 * <li><b>socket_listen</b>: the actor fields above; LocalIp/LocalPort ← dst_endpoint.ip/port (a listening
 *     socket is where connections go) | src_endpoint.ip/port; Protocol.</li>
 * <li><b>file_event</b> (and file_change/delete/rename): the actor fields; TargetFilename ← file.path.</li>
 * <li><b>driver_load</b>: the actor fields; ImageLoaded ← module.file.path | driver.file.path | module.file.name
 *     | driver.file.name (a module found in memory may have a name but no path); ModuleName ← module.file.name
 *     | driver.file.name.</li>
 * <li><b>chirp_integrity</b>: Finding ← finding_info.types (the monitor sets {@code hidden_process},
 *     {@code hidden_module}, {@code syscall_hook}); Title ← finding_info.title; Image, ProcessName, ProcessId ←
 *     evidences[0].process; ObjectName/ObjectType ← resources[0].name/type (the hidden module, the hooked
 *     system call).</li>
 * </ul>
 */
package io.chirp.detect.ocsf;
