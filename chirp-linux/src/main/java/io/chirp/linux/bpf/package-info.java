/**
 * eBPF objects loaded in the guest (Volatility's linux.ebpf, bpftool prog/map/link show), from the kernel's own ID
 * tables, with the processes that hold them and where programs are attached.
 *
 * <pre>
 *   prog_idr / map_idr / link_idr (XArray, index = id)  -> bpf_prog (type, tag, aux: id, name, used_maps, load_time)
 *                                                         bpf_map (map_type, key/value size, max_entries, id, name)
 *                                                         bpf_link (id, type, prog)
 *   every process's fds: f_op == bpf_prog_fops / bpf_map_fops / bpf_link_fops -> private_data: the holder
 *   socket fds: socket->sk->sk_filter->prog              -> a socket-filter attach point
 * </pre>
 */
package io.chirp.linux.bpf;
