package io.chirp.net.fuzz;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Seeded mutations in the style of coverage-less fuzzers: bit flips, interesting values (boundaries of 8, 16 and 32
 * bit lengths), overwritten length fields, cut and duplicated chunks. Deterministic for a seed, so a failure
 * reproduces from the seed and iteration the test prints.
 */
final class Mutator {
    private static final int[] INTERESTING = {0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0xffffffff};
    private final SplittableRandom rnd;

    Mutator(long seed) { rnd = new SplittableRandom(seed); }

    byte[] mutate(byte[] in) {
        byte[] b = in.clone();
        int rounds = 1 + rnd.nextInt(4);
        for (int r = 0; r < rounds && b.length > 0; r++) {
            switch (rnd.nextInt(6)) {
                case 0 -> b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> b[rnd.nextInt(b.length)] = (byte) INTERESTING[rnd.nextInt(INTERESTING.length)];
                case 2 -> { // a 16- or 32-bit length field, either byte order
                    int v = INTERESTING[rnd.nextInt(INTERESTING.length)];
                    int w = rnd.nextBoolean() ? 2 : 4;
                    int at = rnd.nextInt(Math.max(1, b.length - w + 1));
                    boolean big = rnd.nextBoolean();
                    for (int i = 0; i < w && at + i < b.length; i++) {
                        int shift = 8 * (big ? w - 1 - i : i);
                        b[at + i] = (byte) (v >>> shift);
                    }
                }
                case 3 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1)); // truncate
                case 4 -> { // duplicate a chunk
                    int from = rnd.nextInt(b.length), len = 1 + rnd.nextInt(Math.min(64, b.length - from));
                    int at = rnd.nextInt(b.length + 1);
                    byte[] out = new byte[b.length + len];
                    System.arraycopy(b, 0, out, 0, at);
                    System.arraycopy(b, from, out, at, len);
                    System.arraycopy(b, at, out, at + len, b.length - at);
                    b = out;
                }
                default -> { // delete a chunk
                    int from = rnd.nextInt(b.length), len = 1 + rnd.nextInt(Math.min(64, b.length - from));
                    byte[] out = new byte[b.length - len];
                    System.arraycopy(b, 0, out, 0, from);
                    System.arraycopy(b, from + len, out, from, b.length - from - len);
                    b = out;
                }
            }
        }
        return b;
    }
}
