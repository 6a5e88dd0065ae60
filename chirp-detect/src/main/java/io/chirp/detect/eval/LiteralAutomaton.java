package io.chirp.detect.eval;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * An Aho–Corasick automaton over folded literals, compiled to a dense transition table: the one pass of
 * {@link RuleSet}'s prefilter over each event field. It reports every occurrence of every literal (overlaps
 * included), as {@code org.ahocorasick}'s {@code PayloadTrie} does; {@code LiteralAutomatonTest} holds it to that
 * library on random texts. It replaced the library on the hot path: the library walks a map of boxed characters
 * per character and allocates an emit per match, which was half of the rule set's time per event.
 *
 * <p>The alphabet is the characters that occur in the literals, numbered from 1; every other character is class
 * 0, on which every state goes back to the root (no literal contains it). Text is folded as it is scanned
 * ({@code String.toLowerCase(Locale.ROOT)}, the matchers' semantics): an ASCII character by table, and a text with
 * any non-ASCII character is folded as a whole first (its lower case may depend on its neighbours). Immutable and
 * thread-safe; a scan allocates nothing unless the text has non-ASCII characters.
 */
final class LiteralAutomaton {
    /** Receives the id of each literal found, once per occurrence. */
    @FunctionalInterface
    interface Hits {
        void hit(int id);
    }

    private static final int[] NONE = new int[0];

    private final int[] ascii = new int[128];   // folded ASCII char -> class
    private final char[] wide;                  // sorted non-ASCII chars of the literals ...
    private final int[] wideClass;              // ... and their classes
    private final int classes;                  // alphabet size + 1 (class 0)
    private final int[] delta;                  // state * classes + class -> state
    private final int[][] output;               // state -> literal ids ending there (suffixes included); NONE if none

    /**
     * Compiles the literals, each already folded, with its id ({@code ids[i]} for {@code literals[i]}). Empty
     * literals are not allowed.
     */
    LiteralAutomaton(List<String> literals, int[] ids) {
        if (literals.size() != ids.length) throw new IllegalArgumentException("one id per literal");
        TreeSet<Character> chars = new TreeSet<>();
        for (String l : literals) {
            if (l.isEmpty()) throw new IllegalArgumentException("empty literal");
            for (int i = 0; i < l.length(); i++) chars.add(l.charAt(i));
        }
        Map<Character, Integer> cls = new HashMap<>();
        for (char c : chars) cls.put(c, cls.size() + 1);
        classes = cls.size() + 1;
        for (int c = 0; c < 128; c++) {
            char f = c >= 'A' && c <= 'Z' ? (char) (c + 32) : (char) c;
            ascii[c] = cls.getOrDefault(f, 0);
        }
        List<Character> w = chars.stream().filter(c -> c >= 128).toList();
        wide = new char[w.size()];
        wideClass = new int[w.size()];
        for (int i = 0; i < wide.length; i++) {
            wide[i] = w.get(i);
            wideClass[i] = cls.get(wide[i]);
        }

        // the trie, with goto as a growable table (-1: no edge)
        List<int[]> go = new ArrayList<>();
        List<List<Integer>> out = new ArrayList<>();
        go.add(newRow());
        out.add(new ArrayList<>());
        for (int k = 0; k < literals.size(); k++) {
            String l = literals.get(k);
            int s = 0;
            for (int i = 0; i < l.length(); i++) {
                int c = cls.get(l.charAt(i));
                if (go.get(s)[c] < 0) {
                    go.get(s)[c] = go.size();
                    go.add(newRow());
                    out.add(new ArrayList<>());
                }
                s = go.get(s)[c];
            }
            out.get(s).add(ids[k]);
        }
        int states = go.size();
        int[] fail = new int[states];
        delta = new int[states * classes];
        output = new int[states][];
        // breadth first: a state's failure target is shallower, so its transitions and outputs are complete
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int c = 0; c < classes; c++) {
            int t = go.get(0)[c];
            if (t > 0) {
                fail[t] = 0;
                delta[c] = t;
                queue.add(t);
            } else {
                delta[c] = 0;
            }
        }
        output[0] = toArray(out.get(0));
        while (!queue.isEmpty()) {
            int s = queue.poll();
            List<Integer> o = new ArrayList<>(out.get(s));
            for (int id : output[fail[s]]) o.add(id);
            output[s] = toArray(o);
            for (int c = 0; c < classes; c++) {
                int t = go.get(s)[c];
                if (t > 0) {
                    fail[t] = delta[fail[s] * classes + c];
                    delta[s * classes + c] = t;
                    queue.add(t);
                } else {
                    delta[s * classes + c] = delta[fail[s] * classes + c];
                }
            }
        }
    }

    private int[] newRow() {
        int[] r = new int[classes];
        Arrays.fill(r, -1);
        return r;
    }

    private static int[] toArray(List<Integer> l) {
        return l.isEmpty() ? NONE : l.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@return the number of states, for statistics} */
    int states() { return output.length; }

    /** Reports every literal occurring in {@code text} as folded ({@code toLowerCase(Locale.ROOT)}). */
    void scan(String text, Hits hits) {
        int n = text.length();
        int s = 0;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 128) {
                // fold the whole text the matchers' way and go on from here: the ASCII prefix folds char by char
                // to the same characters at the same places, so the state reached on it still holds
                scanFolded(GlobPattern.fold(text), i, s, hits);
                return;
            }
            s = delta[s * classes + ascii[c]];
            int[] o = output[s];
            for (int id : o) hits.hit(id);
        }
    }

    private void scanFolded(String folded, int from, int state, Hits hits) {
        int s = state;
        for (int i = from, n = folded.length(); i < n; i++) {
            char c = folded.charAt(i);
            int k;
            if (c < 128) {
                k = ascii[c];
            } else {
                int at = Arrays.binarySearch(wide, c);
                k = at >= 0 ? wideClass[at] : 0;
            }
            s = delta[s * classes + k];
            for (int id : output[s]) hits.hit(id);
        }
    }
}
