/**
 * Network sockets, seen from two sides and joined on the {@code struct sock}.
 *
 * <pre>
 *   processes' descriptor tables                  kernel lookup tables (KernelSocketTables)
 *   fd -> struct file (f_op == socket_file_ops)   tcp_hashinfo.ehash / lhash2   (hlist_nulls chains)
 *      -> private_data: struct socket -> sk       udp_table.hash, net.unx.table (hlist chains)
 *                      \                         /
 *                       struct sock / sock_common: family, state, ports, addresses; inode via socket_alloc
 *                                 |
 *                       Sockets -> LinuxSocket rows (owners, and where each was seen)
 * </pre>
 *
 * A socket in the kernel tables but in no descriptor table is listed with no owner: time-wait sockets, sockets of
 * in-kernel users, or sockets a rootkit removed from a process's view.
 */
package io.chirp.linux.net;
