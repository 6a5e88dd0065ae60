package io.chirp.events.schema;

import io.chirp.core.ChirpException;
import io.chirp.events.TestSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchemaLoaderTest {
    private final OcsfSchema schema = TestSchema.schema();

    @Test void versionAndClassUidsFollowCategories() {
        assertThat(schema.version()).isEqualTo("1.8.0");
        assertThat(schema.classByUid(1007).orElseThrow().name()).isEqualTo("process_activity");
        assertThat(schema.classByUid(1005).orElseThrow().name()).isEqualTo("module_activity");
        assertThat(schema.classByUid(1001).orElseThrow().name()).isEqualTo("file_activity");
        assertThat(schema.classByUid(4001).orElseThrow().name()).isEqualTo("network_activity");
        ClassDef finding = schema.classByUid(2004).orElseThrow();
        assertThat(finding.name()).isEqualTo("detection_finding");
        assertThat(finding.categoryUid()).isEqualTo(2);
        assertThat(finding.categoryName()).isEqualTo("Findings");
        // Hidden intermediate classes are parents only.
        assertThat(schema.classByName("system")).isEmpty();
        assertThat(schema.classByName("base_event").orElseThrow().uid()).isZero();
    }

    @Test void extendsChainMergesParentAttributesAndEnums() {
        ClassDef pa = schema.classByName("process_activity").orElseThrow();
        // from base_event, refined by process_activity
        Attribute activity = pa.attributes().get("activity_id");
        assertThat(activity.requirement()).isEqualTo(Requirement.REQUIRED);
        assertThat(activity.enumCaptions()).containsEntry("0", "Unknown").containsEntry("1", "Launch")
                .containsEntry("2", "Terminate").containsEntry("99", "Other");
        // merged with the dictionary
        assertThat(pa.attributes().get("time").type()).isEqualTo("timestamp_t");
        assertThat(pa.attributes().get("process").objectType()).isEqualTo("process");
        assertThat(pa.attributes().get("process").requirement()).isEqualTo(Requirement.REQUIRED);
        assertThat(pa.attributes().get("observables").array()).isTrue();
        // derived enums
        assertThat(pa.attributes().get("class_uid").enumCaptions()).containsOnlyKeys("1007");
        assertThat(pa.attributes().get("category_uid").enumCaptions()).containsOnlyKeys("1");
        assertThat(pa.attributes().get("type_uid").enumCaptions()).containsEntry("100701", "Process Activity: Launch")
                .containsEntry("100700", "Process Activity: Unknown");
        assertThat(pa.activityCaption(2)).isEqualTo("Terminate");
    }

    @Test void profileAttributesAreTaggedUnlessTheClassAdoptsThem() {
        // base_event includes the host profile: device/actor belong to it ...
        assertThat(schema.classByName("network_activity").orElseThrow().attributes().get("device").profiles())
                .containsExactly("host");
        // ... but system classes redefine them with "profile": null, making them their own (and required).
        Attribute device = schema.classByName("process_activity").orElseThrow().attributes().get("device");
        assertThat(device.profiles()).isEmpty();
        assertThat(device.requirement()).isEqualTo(Requirement.REQUIRED);
        // detection_finding adopts confidence from security_control
        assertThat(schema.classByName("detection_finding").orElseThrow().attributes().get("confidence_id").profiles())
                .isEmpty();
        assertThat(schema.classByName("process_activity").orElseThrow().attributes().get("confidence_id").profiles())
                .containsExactly("security_control");
        // objects include profiles too
        assertThat(schema.object("process").orElseThrow().attributes().get("container").profiles())
                .containsExactly("container");
    }

    @Test void datetimeProfileAddsStringTwinsOfTimestamps() {
        Attribute dt = schema.classByName("process_activity").orElseThrow().attributes().get("time_dt");
        assertThat(dt.type()).isEqualTo("datetime_t");
        assertThat(dt.profiles()).containsExactly("datetime");
    }

    @Test void objectsResolveExtendsAndConstraints() {
        ObjectDef device = schema.object("device").orElseThrow();
        assertThat(device.attributes().get("hypervisor").type()).isEqualTo("string_t");
        assertThat(device.attributes().get("type_id").enumCaptions()).containsEntry("6", "Virtual")
                .containsEntry("0", "Unknown").containsEntry("99", "Other");
        assertThat(device.attributes().get("type_id").requirement()).isEqualTo(Requirement.REQUIRED);
        assertThat(device.constraints().atLeastOne()).contains("ip", "uid", "name", "hostname");
        assertThat(schema.object("process").orElseThrow().attributes().get("pid").type()).isEqualTo("integer_t");
        assertThat(schema.object("_entity")).isEmpty();
        assertThat(schema.object("object").orElseThrow().attributes()).isEmpty();
        assertThat(schema.type("port_t").orElseThrow().primitive()).isEqualTo("integer_t");
        assertThat(schema.type("timestamp_t").orElseThrow().primitive()).isEqualTo("long_t");
    }

    @Test void extensionsPatchCoreObjectsAndAddScopedItems() {
        Attribute euid = schema.object("process").orElseThrow().attributes().get("euid");
        assertThat(euid.profiles()).contains("linux/linux_users", "macos/macos_users");
        assertThat(schema.hasProfile("linux/linux_users")).isTrue();
        assertThat(schema.object("win/reg_key")).isPresent();
        assertThat(schema.object("process").orElseThrow().attributes().get("hosted_services").objectType())
                .isEqualTo("win/win_service");
        // extension classes live in the extension's uid space
        assertThat(schema.classByName("win/registry_key_activity").orElseThrow().uid()).isEqualTo(201001);
    }

    @Test void coreOnlyLoadHasNoExtensionAttributes() {
        OcsfSchema core = OcsfSchema.load(TestSchema.dir(), Set.of());
        assertThat(core.object("process").orElseThrow().attributes()).doesNotContainKey("euid");
        assertThat(core.hasProfile("linux/linux_users")).isFalse();
        assertThat(core.classByUid(1007)).isPresent();
    }

    @Test void missingFolderOrExtensionIsAClearError(@TempDir Path tmp) {
        assertThatThrownBy(() -> OcsfSchema.load(tmp)).isInstanceOf(ChirpException.class)
                .hasMessageContaining("dictionary.json");
        assertThatThrownBy(() -> OcsfSchema.load(TestSchema.dir(), Set.of("plan9")))
                .isInstanceOf(ChirpException.class).hasMessageContaining("plan9");
        assertThat(SchemaLocator.find(tmp)).isEmpty();
        assertThatThrownBy(() -> SchemaLocator.require(tmp)).hasMessageContaining("shared/data/ocsf");
    }
}
