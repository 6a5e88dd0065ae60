package io.chirp.events.validate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.events.TestSchema;
import io.chirp.events.validate.Violation.Kind;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The validator on hand-written events: a valid one passes, and each kind of breakage is caught where it is. */
class EventValidatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final EventValidator validator = TestSchema.validator();

    /** A minimal valid Process Activity: Launch. */
    static ObjectNode processLaunch() throws Exception {
        return (ObjectNode) JSON.readTree("""
                {"class_uid": 1007, "category_uid": 1, "activity_id": 1, "type_uid": 100701, "severity_id": 1,
                 "time": 1754400000000,
                 "metadata": {"version": "1.8.0", "product": {"name": "CHIRP", "vendor_name": "CHIRP"},
                              "profiles": ["host"]},
                 "device": {"type_id": 6, "name": "vm1", "hypervisor": "QEMU"},
                 "actor": {"process": {"pid": 1, "name": "init"}},
                 "process": {"pid": 42, "name": "sh", "cmd_line": "sh -c id",
                             "file": {"name": "sh", "path": "/bin/sh", "type_id": 1}}}
                """);
    }

    @Test void validEventPasses() throws Exception {
        ValidationReport r = validator.validate(processLaunch());
        assertThat(r.errors()).as(r.toString()).isEmpty();
        assertThat(r.isValid()).isTrue();
    }

    @Test void missingRequiredAttributesAreErrorsAtTheirPath() throws Exception {
        ObjectNode e = processLaunch();
        e.remove("time");
        ((ObjectNode) e.get("process").get("file")).remove("type_id");
        ((ObjectNode) e.get("metadata")).remove("product");
        ValidationReport r = validator.validate(e);
        assertThat(r.hasError(Kind.REQUIRED_MISSING, "time")).as(r.toString()).isTrue();
        assertThat(r.hasError(Kind.REQUIRED_MISSING, "process.file.type_id")).as(r.toString()).isTrue();
        assertThat(r.hasError(Kind.REQUIRED_MISSING, "metadata.product")).as(r.toString()).isTrue();
        assertThat(r.isValid()).isFalse();
    }

    @Test void unknownAttributesAreErrorsButUnmappedIsOpen() throws Exception {
        ObjectNode e = processLaunch();
        e.put("chirp_vm", "vm1");
        ((ObjectNode) e.get("process")).put("comm", "sh");
        e.putObject("unmapped").put("chirp_vm", "vm1").putObject("nested").put("anything", true);
        ValidationReport r = validator.validate(e);
        assertThat(r.hasError(Kind.ATTRIBUTE_UNKNOWN, "chirp_vm")).as(r.toString()).isTrue();
        assertThat(r.hasError(Kind.ATTRIBUTE_UNKNOWN, "process.comm")).as(r.toString()).isTrue();
        assertThat(r.errors()).hasSize(2);
    }

    @Test void wrongTypesAreCaughtForEveryPrimitiveAndObjects() throws Exception {
        ObjectNode e = processLaunch();
        e.put("time", "yesterday");                                        // timestamp_t
        ((ObjectNode) e.get("process")).put("pid", "42");                  // integer_t
        ((ObjectNode) e.get("process")).put("name", 7);                     // string_t
        ((ObjectNode) e.get("process").get("file")).put("is_system", "no"); // boolean_t
        ((ObjectNode) e.get("process").get("file")).put("size", 1.5);      // long_t
        e.put("actor", "init");                                             // object
        e.set("observables", JSON.createObjectNode());                      // array
        ValidationReport r = validator.validate(e);
        for (String p : new String[] {"time", "process.pid", "process.name", "process.file.is_system",
                "process.file.size", "actor", "observables"}) {
            assertThat(r.hasError(Kind.WRONG_TYPE, p)).as(p + "\n" + r).isTrue();
        }
    }

    @Test void integersMustFitTheirWidthAndTypesTheirRules() throws Exception {
        ObjectNode e = processLaunch();
        ((ObjectNode) e.get("process")).put("pid", 1L << 40);              // integer_t is 32-bit
        ((ObjectNode) e.get("process")).put("ptid", 1L << 40);             // long_t is fine
        ((ObjectNode) e.get("device")).put("ip", "10.0.0.300");
        ValidationReport r = validator.validate(e);
        assertThat(r.hasError(Kind.WRONG_TYPE, "process.pid")).as(r.toString()).isTrue();
        assertThat(r.hasError(Kind.VALUE_INVALID, "device.ip")).as(r.toString()).isTrue();
        assertThat(r.errors()).hasSize(2);
    }

    @Test void enumValuesAreCheckedAndOtherUnknownAllowedWhereDefined() throws Exception {
        ObjectNode e = processLaunch();
        e.put("severity_id", 7);
        ((ObjectNode) e.get("device")).put("type_id", 99);                 // Other: in device's enum
        ValidationReport r = validator.validate(e);
        assertThat(r.hasError(Kind.ENUM_VALUE_UNKNOWN, "severity_id")).as(r.toString()).isTrue();
        assertThat(r.errors()).hasSize(1);

        ObjectNode f = processLaunch();
        f.put("activity_id", 9).put("type_uid", 100709);
        assertThat(validator.validate(f).hasError(Kind.ENUM_VALUE_UNKNOWN, "activity_id")).isTrue();

        ObjectNode g = processLaunch();
        g.put("severity", "Critical");                                      // caption of 5, not 1
        ValidationReport rg = validator.validate(g);
        assertThat(rg.isValid()).isTrue();
        assertThat(rg.warnings()).anyMatch(w -> w.kind() == Kind.ENUM_SIBLING_INCORRECT && w.path().equals("severity"));
    }

    @Test void typeUidMustBeClassTimes100PlusActivity() throws Exception {
        ObjectNode e = processLaunch();
        e.put("type_uid", 100702);
        ValidationReport r = validator.validate(e);
        assertThat(r.hasError(Kind.TYPE_UID_INCORRECT, "type_uid")).as(r.toString()).isTrue();
    }

    @Test void profileAttributesNeedTheProfileDeclared() throws Exception {
        ObjectNode e = processLaunch();
        ((ObjectNode) e.get("process")).put("euid", 0);                    // linux/linux_users profile
        ValidationReport r = validator.validate(e);
        assertThat(r.hasError(Kind.ATTRIBUTE_NEEDS_PROFILE, "process.euid")).as(r.toString()).isTrue();
        ((ObjectNode) e.get("metadata")).putArray("profiles").add("host").add("linux/linux_users");
        assertThat(validator.validate(e).errors()).isEmpty();

        // network_activity gets device only through the host profile
        ObjectNode n = (ObjectNode) JSON.readTree("""
                {"class_uid": 4001, "category_uid": 4, "activity_id": 7, "type_uid": 400107, "severity_id": 1,
                 "time": 1, "metadata": {"version": "1.8.0", "product": {"name": "CHIRP"}},
                 "device": {"type_id": 6, "name": "vm1"},
                 "dst_endpoint": {"ip": "0.0.0.0", "port": 22}}
                """);
        assertThat(validator.validate(n).hasError(Kind.ATTRIBUTE_NEEDS_PROFILE, "device")).isTrue();
        ((ObjectNode) n.get("metadata")).putArray("profiles").add("host");
        assertThat(validator.validate(n).errors()).isEmpty();
        ((ObjectNode) n.get("metadata")).putArray("profiles").add("host").add("hots");
        assertThat(validator.validate(n).hasError(Kind.PROFILE_UNKNOWN, "metadata.profiles[1]")).isTrue();
    }

    @Test void constraintsAndRangesAreChecked() throws Exception {
        ObjectNode e = processLaunch();
        e.putObject("actor");                                                // needs process, user, ...
        ValidationReport r = validator.validate(e);
        assertThat(r.hasError(Kind.CONSTRAINT_FAILED, "actor")).as(r.toString()).isTrue();

        ObjectNode n = (ObjectNode) JSON.readTree("""
                {"class_uid": 4001, "category_uid": 4, "activity_id": 7, "type_uid": 400107, "severity_id": 1,
                 "time": 1, "metadata": {"version": "1.8.0", "product": {"name": "CHIRP"}},
                 "dst_endpoint": {"ip": "::1", "port": 70000}}
                """);
        assertThat(validator.validate(n).hasError(Kind.VALUE_INVALID, "dst_endpoint.port")).isTrue();
    }

    @Test void nestingBeyondTheDepthLimitIsAnErrorNotAStackOverflow() throws Exception {
        ObjectNode e = processLaunch();
        ObjectNode p = (ObjectNode) e.get("process");
        for (int i = 0; i < 5000; i++) p = p.putObject("parent_process").put("pid", i);
        ValidationReport r = validator.validate(e);
        assertThat(r.hasError(Kind.DEPTH_EXCEEDED)).as(r.toString()).isTrue();
        assertThat(new EventValidator(TestSchema.schema(), 3).validate(processLaunch()).hasError(Kind.DEPTH_EXCEEDED))
                .isFalse();
    }

    @Test void classIsCheckedAndVersionMismatchWarns() throws Exception {
        ObjectNode e = processLaunch();
        assertThat(validator.validate(e, 1005).hasError(Kind.CLASS_MISMATCH)).isTrue();
        assertThat(validator.validate(e, 424242).hasError(Kind.CLASS_UNKNOWN)).isTrue();
        e.remove("class_uid");
        assertThat(validator.validate(e).hasError(Kind.REQUIRED_MISSING, "class_uid")).isTrue();
        ObjectNode v = processLaunch();
        ((ObjectNode) v.get("metadata")).put("version", "1.7.0");
        assertThat(validator.validate(v).warnings()).anyMatch(w -> w.kind() == Kind.VERSION_INCORRECT);
    }
}
