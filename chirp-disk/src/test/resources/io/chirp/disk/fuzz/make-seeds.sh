#!/usr/bin/env bash
# Makes the seeds of DiskFuzzTest (committed in DiskFuzzTestInputs/; rerun only to change them). Needs mkfs.ext4,
# mkfs.vfat, mtools, sfdisk, qemu-img and qemu-io. Each seed is small (the fuzzer mutates every byte of an input):
# ext4 and FAT images are cut after their last non-zero block and zero-padded back by the target.
set -euo pipefail
OUT="$(cd "$(dirname "$0")" && pwd)/DiskFuzzTestInputs"
T="$(mktemp -d)"; trap 'rm -rf "$T"' EXIT
export MTOOLS_SKIP_CHECK=1
mkdir -p "$T/root/etc" "$T/root/home/alice/deep" "$OUT"/{ext4,fat,partitions,qcow2}
echo 'root:x:0:0::/root:/bin/sh' > "$T/root/etc/passwd"
for i in $(seq 100); do echo "hello world $i"; done > "$T/root/home/alice/notes.txt"
echo hi > "$T/root/home/alice/Long File Name With Spaces.txt"
echo deep > "$T/root/home/alice/deep/file"
ln -s ../../etc/passwd "$T/root/home/alice/link"
cut() { python3 - "$1" "$2" "$3" <<'PY'
import sys
src, dst, blk = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = open(src, 'rb').read()
end = max((i + blk for i in range(0, len(d), blk) if any(d[i:i + blk])), default=0)
open(dst, 'wb').write(d[:end])
PY
}
# ext4: 256 KiB, 1 KiB blocks, 32 inodes, no journal; extents and a directory tree
truncate -s 256K "$T/ext4.img"
mkfs.ext4 -q -F -b 1024 -N 32 -O ^has_journal,^resize_inode -E root_owner=0:0 -d "$T/root" "$T/ext4.img"
cut "$T/ext4.img" "$OUT/ext4/seed-tree" 1024
# FAT32: made full size (mtools decides FAT32 by cluster count), then compacted to one 1-sector FAT (127 clusters)
truncate -s 40M "$T/fat.img"
mkfs.vfat -F 32 -s 1 -S 512 -n CHIRPFAT "$T/fat.img" >/dev/null
mmd -i "$T/fat.img" ::/etc ::/home ::/home/alice
mcopy -i "$T/fat.img" "$T/root/etc/passwd" ::/etc/
mcopy -i "$T/fat.img" "$T/root/home/alice/notes.txt" "$T/root/home/alice/Long File Name With Spaces.txt" ::/home/alice/
python3 - "$T/fat.img" "$OUT/fat/seed-tree" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
bps, spc, res = struct.unpack_from('<HBH', d, 11); nfats = d[16]; fatsz = struct.unpack_from('<I', d, 36)[0]
data = (res + nfats * fatsz) * bps
fat = d[res * bps:res * bps + bps]            # entries 0..127: every cluster mtools used
used = max(i for i in range(128) if struct.unpack_from('<I', fat, 4 * i)[0])
out = bytearray((res + 1 + 126 * spc) * bps)
out[:res * bps] = d[:res * bps]
d2 = out
d2[16] = 1                                     # one FAT
struct.pack_into('<I', d2, 36, 1)              # of one sector
struct.pack_into('<I', d2, 32, len(out) // bps)  # total sectors
struct.pack_into('<H', d2, 19, 0)
d2[res * bps:res * bps + bps] = fat
nd = (res + 1) * bps
n = (used - 1) * spc * bps
d2[nd:nd + n] = d[data:data + n]
end = max(i + 512 for i in range(0, len(d2), 512) if any(d2[i:i + 512]))
open(sys.argv[2], 'wb').write(bytes(d2[:end]))
PY
# partitions: a GPT with two partitions and a DOS label with an extended partition and two logical ones (64 KiB)
truncate -s 64K "$T/gpt.img"
printf 'label: gpt\nfirst-lba: 34\nstart=34, size=40, type=L, name=root\nstart=74, size=20, type=S\n' | sfdisk -q "$T/gpt.img" >/dev/null
cp "$T/gpt.img" "$OUT/partitions/seed-gpt"
truncate -s 64K "$T/dos.img"
printf 'label: dos\n1,20,83\n21,90,5\n22,30,83\n53,40,82\n' | sfdisk -q "$T/dos.img" >/dev/null
cp "$T/dos.img" "$OUT/partitions/seed-dos"
# qcow2: 512-byte clusters, data, a zero cluster, a compressed copy
qemu-img create -q -f qcow2 -o cluster_size=512 "$T/q.qcow2" 16K
qemu-io -f qcow2 -c 'write -P 0xab 0 2k' -c 'write -z 4k 512' -c 'write -P 0x5a 8k 1k' "$T/q.qcow2" >/dev/null
cp "$T/q.qcow2" "$OUT/qcow2/seed-plain"
qemu-img convert -q -c -f qcow2 -O qcow2 -o cluster_size=512 "$T/q.qcow2" "$OUT/qcow2/seed-compressed"
ls -l "$OUT"/*
