package io.chirp.symbols.btf;

import io.chirp.core.ChirpException;
import io.chirp.symbols.types.BtfType;
import io.chirp.symbols.types.MemberPath;
import io.chirp.symbols.types.TypeModel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BtfParserTest {

    /** A miniature kernel: every BTF kind, a bitfield, an anonymous union, a typedef/const chain. */
    static BtfWriter kernel() {
        BtfWriter w = new BtfWriter();
        int i32 = w.intType("int", 4, true);                         // 1
        int u8 = w.intType("unsigned char", 1, false);               // 2
        int u64 = w.intType("long long unsigned int", 8, false);     // 3
        int pidT = w.simple("pid_t", 8, i32);                        // 4 typedef
        int cpid = w.simple("", 10, pidT);                           // 5 const pid_t
        int vol = w.simple("", 9, cpid);                             // 6 volatile const pid_t
        int comm = w.array(u8, i32, 16);                             // 7 char[16]
        int listHead = w.struct("list_head", false, 16, "next", 9, 0, 0, "prev", 9, 64, 0); // 8
        int pList = w.ptr(listHead);                                 // 9
        int anonU = w.struct("", true, 8, "skc_dport", 16, 0, 0, "skc_portpair", 17, 0, 0); // 10
        int common = w.struct("sock_common", false, 24, "skc_node", 8, 0, 0, "", anonU, 128, 0); // 11
        int sock = w.struct("sock", false, 64, "__sk_common", common, 0, 0, "sk_flags", i32, 192, 0,
                "sk_shutdown", u8, 224, 2, "sk_no_check", u8, 226, 1);  // 12 with bitfields
        int task = w.struct("task_struct", false, 128, "tasks", listHead, 0, 0, "pid", vol, 128, 0,
                "tgid", pidT, 160, 0, "comm", comm, 192, 0, "state", 20, 320, 0); // 13
        int fwd = w.fwd("file", false);                              // 14
        w.simple("percpu", 18, u64);                                 // 15 type tag
        w.intType("__be16", 2, false);                               // 16
        w.intType("unsigned int", 4, false);                         // 17
        int proto = w.funcProto(i32, "a", i32, "", 0);               // 18
        w.func("do_thing", proto);                                   // 19
        w.enumType("task_state", 4, false, "TASK_RUNNING", 0, "TASK_DEAD", 0x80); // 20
        w.enum64("big", -1L, 1L << 40);                              // 21
        int v = w.var("runqueues", u64);                             // 22
        w.datasec(".data..percpu", 4096, v, 64, 8);                  // 23
        w.floatType("double", 8);                                    // 24
        w.declTag("user", task, 1);                                  // 25
        w.simple("", 11, pList);                                     // 26 restrict
        assertThat(fwd).isEqualTo(14);
        return w;
    }

    @Test
    void parsesEveryKind() {
        TypeModel m = BtfParser.parse(kernel().blob());
        assertThat(m.count()).isEqualTo(27);
        assertThat(m.type(1)).isEqualTo(new BtfType.IntType(1, "int", 4, true, false, false, 0, 32));
        assertThat(m.type(7)).isEqualTo(new BtfType.Array(7, 2, 1, 16));
        assertThat(m.type(14)).isEqualTo(new BtfType.Fwd(14, "file", false));
        assertThat(m.type(15)).isEqualTo(new BtfType.Modifier(15, BtfType.ModifierKind.TYPE_TAG, "percpu", 3));
        assertThat(m.type(18)).isInstanceOfSatisfying(BtfType.FuncProto.class, p ->
                assertThat(p.params()).containsExactly(new BtfType.Param("a", 1), new BtfType.Param("", 0)));
        assertThat(m.type(19)).isEqualTo(new BtfType.Func(19, "do_thing", 18, 1));
        assertThat(m.type(20)).isInstanceOfSatisfying(BtfType.EnumType.class, e ->
                assertThat(e.values()).contains(new BtfType.Enumerator("TASK_DEAD", 0x80)));
        assertThat(m.type(21)).isInstanceOfSatisfying(BtfType.EnumType.class, e ->
                assertThat(e.values()).extracting(BtfType.Enumerator::value).containsExactly(-1L, 1L << 40));
        assertThat(m.type(22)).isEqualTo(new BtfType.Var(22, "runqueues", 3, 1));
        assertThat(m.type(23)).isInstanceOfSatisfying(BtfType.DataSec.class, d ->
                assertThat(d.vars()).containsExactly(new BtfType.VarSecInfo(22, 64, 8)));
        assertThat(m.type(24)).isEqualTo(new BtfType.FloatType(24, "double", 8));
        assertThat(m.type(25)).isEqualTo(new BtfType.DeclTag(25, "user", 13, 1));
        assertThat(m.type(26)).isEqualTo(new BtfType.Modifier(26, BtfType.ModifierKind.RESTRICT, "", 9));
    }

    @Test
    void answersOffsetsSizesAndPaths() {
        TypeModel m = BtfParser.parse(kernel().blob());
        assertThat(m.offsetOf("task_struct", "tasks")).isZero();
        assertThat(m.offsetOf("task_struct", "pid")).isEqualTo(16);
        assertThat(m.offsetOf("task_struct", "comm")).isEqualTo(24);
        assertThat(m.offsetOf("task_struct", "tasks.prev")).isEqualTo(8);
        assertThat(m.resolve(m.memberPath("task_struct", "pid").type())).isEqualTo(m.type(1));
        assertThat(m.sizeOf(m.memberPath("task_struct", "comm").type())).isEqualTo(16);
        assertThat(m.sizeOf("task_struct")).isEqualTo(128);
        assertThat(m.sizeOf("pid_t")).isEqualTo(4);
        MemberPath dport = m.memberPath("sock", "__sk_common.skc_dport");
        assertThat(dport.byteOffset()).isEqualTo(16);
        assertThat(dport.chain()).extracting(BtfType.Member::name).containsExactly("__sk_common", "", "skc_dport");
        MemberPath bf = m.memberPath("sock", "sk_no_check");
        assertThat(bf.isBitfield()).isTrue();
        assertThat(bf.bitOffset()).isEqualTo(226);
        assertThat(bf.bitfieldSize()).isEqualTo(1);
        assertThatThrownBy(() -> m.offsetOf("task_struct", "nope"))
                .isInstanceOfSatisfying(ChirpException.class, e -> assertThat(e.kind()).isEqualTo(ChirpException.Kind.NOT_FOUND));
        assertThatThrownBy(() -> m.struct("inode")).hasMessageContaining("inode");
    }

    @Test
    void splitBtfContinuesBaseIdsAndStrings() {
        byte[] base = kernel().blob();
        TypeModel vmlinux = BtfParser.parse(base);
        int baseStrLen = (int) BtfHeader.parse(base).strLen();
        BtfWriter mod = new BtfWriter(baseStrLen, vmlinux.count());
        int ptr = mod.ptr(13);
        mod.struct("ext4_sb_info", false, 16, "s_task", ptr, 0, 0, "s_list", 8, 64, 0);
        TypeModel m = BtfParser.parseSplit(mod.blob(), base, vmlinux);
        assertThat(m.struct("ext4_sb_info").id()).isEqualTo(28);
        assertThat(m.offsetOf("ext4_sb_info", "s_list.prev")).isEqualTo(16);
        assertThat(m.struct("task_struct").id()).isEqualTo(13);
    }

    @Test
    void hostileBlobsAreCorrupt() {
        BtfWriter loop = new BtfWriter();
        loop.simple("a", 8, 2);
        loop.simple("b", 8, 1);
        TypeModel m = BtfParser.parse(loop.blob());
        assertThatThrownBy(() -> m.sizeOf(1)).hasMessageContaining("chain");

        BtfWriter dangling = new BtfWriter();
        dangling.ptr(99);
        assertThatThrownBy(() -> BtfParser.parse(dangling.blob())).hasMessageContaining("refers to type 99");

        BtfWriter badKind = new BtfWriter();
        badKind.raw(0, 30 << 24, 0);
        assertThatThrownBy(() -> BtfParser.parse(badKind.blob())).hasMessageContaining("unknown BTF kind");

        BtfWriter hugeVlen = new BtfWriter();
        hugeVlen.raw(0, 4 << 24 | 0xffff, 8);
        assertThatThrownBy(() -> BtfParser.parse(hugeVlen.blob())).isInstanceOf(ChirpException.class);

        byte[] blob = kernel().blob();
        byte[] truncated = java.util.Arrays.copyOf(blob, blob.length - 10);
        assertThatThrownBy(() -> BtfParser.parse(truncated)).isInstanceOf(ChirpException.class);
    }
}
