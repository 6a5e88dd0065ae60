/**
 * Files as the kernel holds them: descriptor tables, open files and mounts.
 *
 * <pre>
 *   task_struct.files -> files_struct.fdt -> fdtable.fd[i]     FdTable (bounded, chunked reads)
 *        |
 *   struct file -> f_path (vfsmount, dentry) -> Paths          KernelFiles: "/path", "socket:[ino]", "pipe:[ino]"
 *        |                                                     (pseudo files named by their d_dname callback)
 *   OpenFiles (lsof rows)
 *
 *   init_task.nsproxy.mnt_ns -> struct mount (list or rbtree)  Mounts: device, mount point, type, options
 * </pre>
 */
package io.chirp.linux.fs;
