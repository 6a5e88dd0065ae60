package io.chirp.detect.condition;

import io.chirp.detect.RuleException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses a Sigma condition by recursive descent with the usual precedence, {@code not} over {@code and} over
 * {@code or}, and parentheses. The condition comes from an untrusted rule, so nesting and length are bounded:
 * a deep expression is an error, not a stack overflow.
 *
 * <pre>
 * or      := and ("or" and)*
 * and     := unary ("and" unary)*
 * unary   := "not" unary | primary
 * primary := "(" or ")" | quant "of" (PATTERN | "them") | IDENTIFIER
 * quant   := "all" | "any" | NUMBER
 * </pre>
 */
public final class ConditionParser {
    static final int MAX_DEPTH = 64;
    static final int MAX_TOKENS = 2048;

    private final List<String> tokens;
    private final String text;
    private int pos;
    private int depth;

    private ConditionParser(String text, List<String> tokens) {
        this.text = text;
        this.tokens = tokens;
    }

    /** {@return the condition in {@code text}} @throws RuleException if it does not parse */
    public static Condition parse(String text) {
        if (text.contains("|")) {
            throw new RuleException("aggregation in condition '" + text.strip() + "' is not supported (use correlation rules)");
        }
        ConditionParser p = new ConditionParser(text, tokenize(text));
        if (p.tokens.isEmpty()) throw new RuleException("condition is empty");
        Condition c = p.or();
        if (p.pos < p.tokens.size()) p.fail("unexpected '" + p.tokens.get(p.pos) + "'");
        return c;
    }

    private static List<String> tokenize(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) { i++; continue; }
            if (c == '(' || c == ')') { out.add(String.valueOf(c)); i++; }
            else {
                int start = i;
                while (i < s.length() && !Character.isWhitespace(s.charAt(i)) && s.charAt(i) != '(' && s.charAt(i) != ')') i++;
                out.add(s.substring(start, i));
            }
            if (out.size() > MAX_TOKENS) throw new RuleException("condition has more than " + MAX_TOKENS + " tokens");
        }
        return out;
    }

    private Condition or() {
        enter();
        List<Condition> ops = new ArrayList<>(List.of(and()));
        while (accept("or")) ops.add(and());
        depth--;
        return ops.size() == 1 ? ops.getFirst() : new Condition.Or(ops);
    }

    private Condition and() {
        List<Condition> ops = new ArrayList<>(List.of(unary()));
        while (accept("and")) ops.add(unary());
        return ops.size() == 1 ? ops.getFirst() : new Condition.And(ops);
    }

    private Condition unary() {
        if (accept("not")) {
            enter();
            Condition c = new Condition.Not(unary());
            depth--;
            return c;
        }
        return primary();
    }

    private Condition primary() {
        String t = next("an identifier, 'not', '(' or a quantifier");
        if (t.equals("(")) {
            Condition c = or();
            if (!accept(")")) fail("missing ')'");
            return c;
        }
        if (t.equals(")")) fail("unexpected ')'");
        if (isKeyword(t, "and") || isKeyword(t, "or")) fail("'" + t + "' without a left operand");
        if (pos < tokens.size() && isKeyword(tokens.get(pos), "of")) {
            pos++;
            int count = quantifier(t);
            String target = next("a pattern or 'them' after 'of'");
            if (target.equals("(") || target.equals(")")) fail("'of' needs a pattern or 'them'");
            return new Condition.Of(count, isKeyword(target, "them") ? null : target);
        }
        if (isKeyword(t, "of") || isKeyword(t, "them")) fail("'" + t + "' out of place");
        return new Condition.Ref(t);
    }

    private int quantifier(String t) {
        if (isKeyword(t, "all")) return Condition.Of.ALL;
        if (isKeyword(t, "any")) return 1;
        try {
            int n = Integer.parseInt(t);
            if (n >= 1) return n;
        } catch (NumberFormatException ignored) {
            // fall through to the error
        }
        fail("'" + t + " of': the quantifier must be 'all', 'any' or a positive number");
        return 0;
    }

    private void enter() {
        if (++depth > MAX_DEPTH) fail("nested deeper than " + MAX_DEPTH);
    }

    private boolean accept(String keyword) {
        if (pos < tokens.size() && isKeyword(tokens.get(pos), keyword)) {
            pos++;
            return true;
        }
        return false;
    }

    private String next(String expected) {
        if (pos >= tokens.size()) fail("expected " + expected + " at the end");
        return tokens.get(pos++);
    }

    private static boolean isKeyword(String token, String keyword) {
        return token.toLowerCase(Locale.ROOT).equals(keyword);
    }

    private void fail(String why) {
        throw new RuleException("condition '" + text.strip() + "': " + why);
    }
}
