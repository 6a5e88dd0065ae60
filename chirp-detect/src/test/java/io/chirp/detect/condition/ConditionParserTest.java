package io.chirp.detect.condition;

import io.chirp.detect.RuleException;
import io.chirp.detect.condition.Condition.And;
import io.chirp.detect.condition.Condition.Not;
import io.chirp.detect.condition.Condition.Of;
import io.chirp.detect.condition.Condition.Or;
import io.chirp.detect.condition.Condition.Ref;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConditionParserTest {

    @Test void precedenceIsNotThenAndThenOr() {
        assertThat(ConditionParser.parse("a or b and not c")).isEqualTo(
                new Or(List.of(new Ref("a"), new And(List.of(new Ref("b"), new Not(new Ref("c")))))));
    }

    @Test void parenthesesOverridePrecedence() {
        assertThat(ConditionParser.parse("(a or b) and c")).isEqualTo(
                new And(List.of(new Or(List.of(new Ref("a"), new Ref("b"))), new Ref("c"))));
    }

    @Test void quantifiers() {
        assertThat(ConditionParser.parse("1 of selection_*")).isEqualTo(new Of(1, "selection_*"));
        assertThat(ConditionParser.parse("all of them")).isEqualTo(new Of(Of.ALL, null));
        assertThat(ConditionParser.parse("any of them")).isEqualTo(new Of(1, null));
        assertThat(ConditionParser.parse("selection and not 1 of filter_main_* and not 1 of filter_optional_*"))
                .isEqualTo(new And(List.of(new Ref("selection"), new Not(new Of(1, "filter_main_*")),
                        new Not(new Of(1, "filter_optional_*")))));
    }

    @Test void keywordsAreCaseInsensitiveButIdentifiersAreNot() {
        assertThat(ConditionParser.parse("Sel AND NOT Filter")).isEqualTo(
                new And(List.of(new Ref("Sel"), new Not(new Ref("Filter")))));
    }

    @Test void ofPatternMatching() {
        Of of = new Of(1, "selection_*");
        assertThat(of.covers("selection_img")).isTrue();
        assertThat(of.covers("selection")).isFalse();
        assertThat(new Of(1, "sel*cli").covers("sel_x_cli")).isTrue();
        assertThat(new Of(1, null).covers("_private")).isFalse();
    }

    @Test void malformedConditionsAreRejectedWithTheReason() {
        assertThatThrownBy(() -> ConditionParser.parse("a and")).isInstanceOf(RuleException.class).hasMessageContaining("at the end");
        assertThatThrownBy(() -> ConditionParser.parse("(a or b")).hasMessageContaining("missing ')'");
        assertThatThrownBy(() -> ConditionParser.parse("a b")).hasMessageContaining("unexpected 'b'");
        assertThatThrownBy(() -> ConditionParser.parse("or a")).hasMessageContaining("without a left operand");
        assertThatThrownBy(() -> ConditionParser.parse("0 of them")).hasMessageContaining("quantifier");
        assertThatThrownBy(() -> ConditionParser.parse("selection | count() > 5")).hasMessageContaining("aggregation");
        assertThatThrownBy(() -> ConditionParser.parse("  ")).hasMessageContaining("empty");
    }

    @Test void deepNestingIsAnErrorNotAStackOverflow() {
        String deep = "(".repeat(10_000) + "a" + ")".repeat(10_000);
        assertThatThrownBy(() -> ConditionParser.parse(deep)).isInstanceOf(RuleException.class);
        String nots = "not ".repeat(200) + "a";
        assertThatThrownBy(() -> ConditionParser.parse(nots)).hasMessageContaining("nested deeper");
        assertThat(ConditionParser.parse("((a))")).isEqualTo(new Ref("a"));
    }
}
