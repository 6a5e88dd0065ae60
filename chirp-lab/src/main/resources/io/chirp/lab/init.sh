#!/bin/sh
# /init of a CHIRP lab guest: busybox userland, modules from the host's modules.dep order,
# then the scenario (/chirp/scenario.sh, appended per guest), then the ground-truth report.
/bin/busybox mkdir -p /proc /sys /dev /tmp /mnt /run /usr/bin /usr/sbin /sbin /etc /root /home
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
echo 0 > /proc/sys/kernel/kptr_restrict
echo 1 > /proc/sys/kernel/printk_devkmsg 2>/dev/null
KV=$(uname -r)
echo "CHIRP-LAB: init start, kernel $KV, uptime $(cut -d' ' -f1 /proc/uptime)"

while read -r m; do
  insmod "/lib/modules/$KV/$m" || echo "CHIRP-LAB: insmod $m FAILED"
done < /chirp/modules.order

printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\n' > /etc/passwd
printf 'root:x:0:\nalice:x:1000:\n' > /etc/group
mkdir -p /home/alice && chown 1000:1000 /home/alice
hostname chirp-lab

ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2

mkdir -p /mnt/data
mount -t ext4 /dev/vda /mnt/data && echo "CHIRP-LAB: /mnt/data mounted" || echo "CHIRP-LAB: mount /dev/vda FAILED"

[ -f /chirp/scenario.sh ] && . /chirp/scenario.sh
sleep 1

# The report: one section per "@@ name" line; every section is what the guest says about itself.
echo "CHIRP-GROUND-TRUTH-BEGIN"
echo "@@ uname"; uname -r; uname -v
echo "@@ cmdline"; cat /proc/cmdline
echo "@@ processes"
for p in /proc/[0-9]*; do
  pid=${p#/proc/}
  [ -r $p/stat ] || continue
  # PPid and Uid from status, not fields of stat: a comm with spaces or ')' shifts stat's fields
  pu=$(awk '/^PPid:/{pp=$2} /^Uid:/{print pp "|" $2; exit}' $p/status 2>/dev/null)
  ppid=${pu%|*}; uid=${pu#*|}
  comm=$(cat $p/comm 2>/dev/null)
  args=$(tr '\0' ' ' < $p/cmdline 2>/dev/null)
  echo "$pid|$ppid|$uid|$comm|$args"
done
echo "@@ task-status"
# user processes only (kernel threads have no exe): the serial console is slow under load
for p in /proc/[0-9]*; do
  [ -n "$(readlink $p/exe 2>/dev/null)" ] || continue
  echo "${p#/proc/}|$(awk '/^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|TracerPid):/{printf "%s%s ", $1, $2}' $p/status 2>/dev/null)"
done
echo "@@ bpf-fdinfo"
for p in /proc/[0-9]*; do for f in $p/fd/*; do l=$(readlink $f 2>/dev/null); case "$l" in anon_inode:bpf*) echo "${p#/proc/}|${f##*/}|$l|$(tr '\t\n' ' ;' < $p/fdinfo/${f##*/})";; esac; done; done
echo "@@ shell-history"
# the answer ends at the shell's prompt, without a newline: add one, or the next section header joins it
for f in /run/history-*.out; do [ -f "$f" ] && { tr -d '\r' < "$f"; echo; } | sed "s|^|${f##*/}\||"; done
echo "@@ namespaces"
# init, and every process whose namespaces are not init's
n1=$(readlink /proc/1/ns/net); m1=$(readlink /proc/1/ns/mnt); echo "1|$n1|$m1"
for p in /proc/[0-9]*; do n=$(readlink $p/ns/net 2>/dev/null); m=$(readlink $p/ns/mnt 2>/dev/null); [ -n "$n" ] && [ "$n|$m" != "$n1|$m1" ] && echo "${p#/proc/}|$n|$m"; done
echo "@@ ns-mounts"
seen=""; for p in /proc/[0-9]*; do m=$(readlink $p/ns/mnt 2>/dev/null) || continue; case "$seen " in *" $m "*) continue;; esac; seen="$seen $m"; sed "s#^#$m|#" $p/mounts; done
echo "@@ ns-interfaces"
seen=""; for p in /proc/[0-9]*; do n=$(readlink $p/ns/net 2>/dev/null) || continue; case "$seen " in *" $n "*) continue;; esac; seen="$seen $n"; tail -n +3 $p/net/dev | sed "s#^ *\([^:]*\):.*#$n|\1#"; done
echo "@@ modules"; cat /proc/modules
echo "@@ tcp"; cat /proc/net/tcp
echo "@@ tcp6"; cat /proc/net/tcp6
echo "@@ udp"; cat /proc/net/udp
echo "@@ udp6"; cat /proc/net/udp6
echo "@@ unix"; cat /proc/net/unix
echo "@@ socket-inodes"
for p in /proc/[0-9]*; do for f in $p/fd/*; do l=$(readlink $f 2>/dev/null); case "$l" in socket:*) echo "${p#/proc/}|${f##*/}|$l";; esac; done; done
echo "@@ open-files"
for p in /proc/[0-9]*; do for f in $p/fd/*; do l=$(readlink $f 2>/dev/null); [ -n "$l" ] && echo "${p#/proc/}|${f##*/}|$l"; done; done
echo "@@ mounts"; cat /proc/mounts
echo "@@ kallsyms"
grep -E ' (_text|_stext|_etext|linux_banner|init_task|init_top_pgt|__start_BTF|__stop_BTF|page_offset_base|vmemmap_base|vmalloc_base|phys_base|__x64_sys_execve|sys_call_table|x64_sys_call|modules|kernel_read)$' /proc/kallsyms
echo "@@ iomem"; grep -iE 'kernel|System RAM' /proc/iomem
echo "@@ btf"; wc -c /sys/kernel/btf/vmlinux
echo "@@ uptime"; cat /proc/uptime
echo "@@ date"; date -u +%s
echo "CHIRP-GROUND-TRUTH-END"
echo "===CHIRP-LAB-READY==="

# A root shell on the serial console, for tests that drive the guest. Non-interactive on purpose (its output is a
# pipe, so ash stays non-interactive): busybox's line editor asks the terminal for its cursor position (ESC[6n)
# and wraps long lines, which garbles typed input.
# No echo either: typed lines would interleave with the output of the lines before them.
stty -echo </dev/ttyS0 2>/dev/null
while true; do setsid sh -c '/bin/sh -s </dev/ttyS0 2>&1 | cat >/dev/ttyS0'; sleep 1; done
