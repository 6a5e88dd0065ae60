/**
 * Integrity checks: what attackers hide from or change in a Linux kernel, found by comparing independent views
 * of the same kernel state and by checking control flow against the kernel's own text.
 *
 * <pre>
 *   LinuxKernel (attached from memory alone)
 *        |
 *   HiddenProcesses   task list   vs  PID allocator (init_pid_ns xarray), run queues
 *   HiddenModules     module list vs  /sys/module kobjects, struct module carved from the module area
 *   SyscallCheck      sys_call_table, x64_sys_call's direct branches (X86Decoder), entry prologues
 *   IdtCheck          every present gate of the IDT the vCPUs really use
 *   HooksCheck        kprobes, ftrace_ops; owner of any address (kernel symbol or module)
 *   CredentialsCheck  shared creds, uid/bookkeeping mismatch, root without a setuid ancestor
 *   ProcessHeuristics W+X memory, executables in /tmp, deleted or memfd, comm/argv masquerades, orphans
 *   ModuleHeuristics  unsigned/out-of-tree/forced modules (taints, sig_ok), known rootkit names
 *        |
 *   IntegrityCheck -> IntegrityReport (one Section per check: findings, complete?, problems)
 * </pre>
 *
 * Every structure read is guest data and possibly hostile: walks are bounded and cycle-checked, and a check that
 * could not see everything says so in its section rather than reporting "clean".
 */
package io.chirp.linux.integrity;
