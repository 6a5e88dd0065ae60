package io.chirp.detect.eval;

import org.ahocorasick.trie.PayloadTrie;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LiteralAutomaton} against {@code org.ahocorasick}'s PayloadTrie (the library the prefilter used before,
 * kept here as the oracle): the same literal ids, occurrence for occurrence, on random texts over a small alphabet
 * (so literals overlap, nest and repeat), with upper case and non-ASCII characters whose lower case is not char by
 * char (the automaton folds as {@code toLowerCase(Locale.ROOT)}, the library's oracle is given the folded text).
 */
class LiteralAutomatonTest {
    private static final String ALPHABET = "abcAB/-.~ \u00e9\u00c9\u0130\u03a3\u212a";

    @Test void reportsWhatTheLibraryReports() {
        Random random = new Random(0x16_16);
        for (int round = 0; round < 300; round++) {
            List<String> literals = new ArrayList<>();
            int n = 1 + random.nextInt(40);
            for (int i = 0; i < n; i++) {
                String l = GlobPattern.fold(text(random, 1 + random.nextInt(5)));
                if (!l.isEmpty() && !literals.contains(l)) literals.add(l);   // distinct, as RuleSet's are
            }
            int[] ids = new int[literals.size()];
            PayloadTrie.PayloadTrieBuilder<Integer> b = PayloadTrie.builder();
            for (int i = 0; i < ids.length; i++) {
                ids[i] = 1000 + i;
                b.addKeyword(literals.get(i), ids[i]);
            }
            PayloadTrie<Integer> oracle = b.build();
            LiteralAutomaton a = new LiteralAutomaton(literals, ids);
            for (int t = 0; t < 30; t++) {
                String text = text(random, random.nextInt(60));
                List<Integer> expected = new ArrayList<>();
                oracle.parseText(text.toLowerCase(Locale.ROOT), e -> { expected.add(e.getPayload()); return true; });
                List<Integer> got = new ArrayList<>();
                a.scan(text, got::add);
                assertThat(got).as("literals %s in %s", literals, text).containsExactlyInAnyOrderElementsOf(expected);
            }
        }
    }

    @Test void charactersOutsideTheLiteralsResetTheMatch() {
        LiteralAutomaton a = new LiteralAutomaton(List.of("/bin/sh", "in/s", "sh"), new int[] {0, 1, 2});
        List<Integer> got = new ArrayList<>();
        a.scan("/BIN/SH -c /bin/zsh", got::add);
        assertThat(got).containsExactlyInAnyOrder(1, 0, 2, 2);
        got.clear();
        a.scan("/bi\u0000n/sh", got::add);
        assertThat(got).containsExactly(2);
    }

    private static String text(Random r, int len) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < len; i++) sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        return sb.toString();
    }
}
