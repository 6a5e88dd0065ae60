/*
 * chirp-kobjects: stages the kernel objects attackers use today, for CHIRP's lab tests (built static with the
 * host's gcc by Scenario.kernelObjects and put into the guest's initramfs; busybox has no bpftool).
 *
 *   - an eBPF array map and a socket-filter program that reads it, loaded with bpf(2) and attached to a UDP socket
 *     (SO_ATTACH_BPF), both named so the test can find them; their fds stay open for the guest's fdinfo;
 *   - CAP_SYS_MODULE dropped from the bounding set (a capability set that differs from init's);
 *   - a child that asks to be traced (PTRACE_TRACEME): its TracerPid is this process.
 *
 * It prints one line per object ("map ID", "prog ID", "child PID") and then sleeps forever.
 *
 * "chirp-kobjects shell SHELL OUT CMD..." instead runs the interactive shell SHELL (busybox sh, bash) on a pseudo-terminal (line editing,
 * and so its in-memory history, needs a terminal), types each CMD into it, then types "history" and writes what
 * the shell answered to OUT: the shell's own account of its history. The shell then waits for input forever.
 */
#include <fcntl.h>
#include <linux/bpf.h>
#include <poll.h>
#include <pty.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static long bpf(int cmd, union bpf_attr *attr) { return syscall(__NR_bpf, cmd, attr, sizeof(*attr)); }

static unsigned id_of(int fd, int is_prog) {
    union bpf_attr a;
    if (is_prog) {
        struct bpf_prog_info info;
        memset(&info, 0, sizeof info);
        memset(&a, 0, sizeof a);
        a.info.bpf_fd = fd;
        a.info.info_len = sizeof info;
        a.info.info = (unsigned long) &info;
        return bpf(BPF_OBJ_GET_INFO_BY_FD, &a) == 0 ? info.id : 0;
    }
    struct bpf_map_info info;
    memset(&info, 0, sizeof info);
    memset(&a, 0, sizeof a);
    a.info.bpf_fd = fd;
    a.info.info_len = sizeof info;
    a.info.info = (unsigned long) &info;
    return bpf(BPF_OBJ_GET_INFO_BY_FD, &a) == 0 ? info.id : 0;
}

/* Reads what the shell writes until it has been quiet for quiet_ms; appends it to out (may be NULL). */
static void drain(int master, FILE *out, int quiet_ms) {
    char buf[4096];
    struct pollfd p = { .fd = master, .events = POLLIN };
    while (poll(&p, 1, quiet_ms) > 0) {
        ssize_t n = read(master, buf, sizeof buf);
        if (n <= 0) return;
        if (out) fwrite(buf, 1, (size_t) n, out);
    }
}

static int shell(const char *path, const char *outPath, int n, char **cmds) {
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    if (pid < 0) { perror("forkpty"); return 1; }
    if (pid == 0) {
        execl(path, strrchr(path, '/') ? strrchr(path, '/') + 1 : path, "-i", (char *) NULL);
        _exit(127);
    }
    drain(master, NULL, 1500);
    for (int i = 0; i < n; i++) {
        if (write(master, cmds[i], strlen(cmds[i])) < 0 || write(master, "\r", 1) < 0) { perror("write"); return 1; }
        drain(master, NULL, 700);
    }
    FILE *out = fopen(outPath, "w");
    if (!out) { perror(outPath); return 1; }
    if (write(master, "history\r", 8) < 0) { perror("write"); return 1; }
    drain(master, out, 1500);
    fclose(out);
    printf("shell %d\n", (int) pid);
    fflush(stdout);
    for (;;) pause(); /* the master stays open: the shell waits at its prompt with its history in memory */
}

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "shell") == 0) return shell(argv[2], argv[3], argc - 4, argv + 4);
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_type = BPF_MAP_TYPE_ARRAY;
    a.key_size = 4;
    a.value_size = 8;
    a.max_entries = 4;
    strcpy(a.map_name, "chirp_map");
    int map = bpf(BPF_MAP_CREATE, &a);
    if (map < 0) { perror("BPF_MAP_CREATE"); return 1; }

    /* r1 = map; r2 = fp - 4; *(u32 *)(fp - 4) = 0; call map_lookup_elem; r0 = 0; exit */
    struct bpf_insn prog[] = {
        { .code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = BPF_REG_10, .off = -4, .imm = 0 },
        { .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_10 },
        { .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_2, .imm = -4 },
        { .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1, .src_reg = BPF_PSEUDO_MAP_FD, .imm = map },
        { 0 },
        { .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_map_lookup_elem },
        { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
        { .code = BPF_JMP | BPF_EXIT },
    };
    static char log[65536];
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    a.insns = (unsigned long) prog;
    a.insn_cnt = sizeof prog / sizeof prog[0];
    a.license = (unsigned long) "GPL";
    a.log_buf = (unsigned long) log;
    a.log_size = sizeof log;
    a.log_level = 1;
    strcpy(a.prog_name, "chirp_filter");
    int fd = bpf(BPF_PROG_LOAD, &a);
    if (fd < 0) { perror("BPF_PROG_LOAD"); fputs(log, stderr); return 1; }

    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_ATTACH_BPF, &fd, sizeof fd) != 0) { perror("SO_ATTACH_BPF"); return 1; }

    if (prctl(PR_CAPBSET_DROP, CAP_SYS_MODULE, 0, 0, 0) != 0) { perror("PR_CAPBSET_DROP"); return 1; }

    pid_t child = fork();
    if (child == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) { perror("PTRACE_TRACEME"); _exit(1); }
        for (;;) pause();
    }
    printf("map %u\nprog %u\nchild %d\n", id_of(map, 0), id_of(fd, 1), (int) child);
    fflush(stdout);
    for (;;) pause();
}
