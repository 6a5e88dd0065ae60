package io.chirp.detect.ocsf;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.detect.LogSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.chirp.detect.ocsf.FieldMapping.derived;
import static io.chirp.detect.ocsf.FieldMapping.path;

/**
 * The processing pipeline from CHIRP's OCSF 1.8.0 events to Sigma's Linux taxonomy, in the manner of a pySigma
 * backend's pipeline but run on events instead of on rules: an event's class and activity choose a Sigma log
 * source category, then a table of {@link FieldMapping}s reads each Sigma field. The table is the single source
 * of truth: {@link #fields(String)} is what rule checks compare a rule's fields with. See the package
 * documentation for the table in prose.
 */
public final class OcsfPipeline {
    public static final int FILE_SYSTEM_ACTIVITY = 1001;
    public static final int KERNEL_EXTENSION_ACTIVITY = 1002;
    public static final int MODULE_ACTIVITY = 1005;
    public static final int PROCESS_ACTIVITY = 1007;
    public static final int DETECTION_FINDING = 2004;
    public static final int NETWORK_ACTIVITY = 4001;

    public static final String PROCESS_CREATION = "process_creation";
    public static final String NETWORK_CONNECTION = "network_connection";
    public static final String FILE_EVENT = "file_event";
    public static final String DRIVER_LOAD = "driver_load";
    /** CHIRP category: a socket started listening (OCSF Network Activity, Listen). */
    public static final String SOCKET_LISTEN = "socket_listen";
    /** CHIRP category: a process changed user identity (OCSF Process Activity, Set User ID). */
    public static final String CHIRP_CREDENTIALS = "chirp_credentials";
    /** CHIRP category: an integrity finding from introspection (hidden process or module, syscall hook). */
    public static final String CHIRP_INTEGRITY = "chirp_integrity";

    private static final List<FieldMapping> ACTOR = List.of(
            path("Image", "actor.process.file.path", "actor.process.path"),
            path("CommandLine", "actor.process.cmd_line"),
            path("ProcessId", "actor.process.pid"),
            path("User", "actor.user.name", "actor.process.user.name"));

    private static final Map<String, List<FieldMapping>> TABLE = table();

    private static final OcsfPipeline DEFAULT = new OcsfPipeline();

    private OcsfPipeline() { }

    /** {@return the pipeline} */
    public static OcsfPipeline standard() { return DEFAULT; }

    /**
     * {@return the event as Sigma sees it, or empty when its class and activity map to no Sigma category (a process
     * exit, a closed socket) or it is a finding produced by a rule (so alerts never feed rules)}
     */
    public Optional<OcsfEvent> map(JsonNode ocsf) {
        String category = category(ocsf);
        if (category == null) return Optional.empty();
        Map<String, Object> fields = new LinkedHashMap<>();
        for (FieldMapping m : TABLE.get(category)) {
            Object v = m.extract().apply(ocsf);
            if (v != null) fields.put(m.sigmaField(), v);
        }
        return Optional.of(new OcsfEvent(LogSource.linux(category), fields, ocsf));
    }

    /** {@return the Sigma category of an OCSF event, or null} */
    public static String category(JsonNode ocsf) {
        int cls = ocsf.path("class_uid").asInt(-1);
        int activity = ocsf.path("activity_id").asInt(-1);
        return switch (cls) {
            case PROCESS_ACTIVITY -> activity == 1 ? PROCESS_CREATION : activity == 5 ? CHIRP_CREDENTIALS : null;
            case NETWORK_ACTIVITY -> activity == 1 ? NETWORK_CONNECTION : activity == 7 ? SOCKET_LISTEN : null;
            case FILE_SYSTEM_ACTIVITY -> switch (activity) {
                case 1 -> FILE_EVENT;
                case 3 -> "file_change";
                case 4 -> "file_delete";
                case 5 -> "file_rename";
                default -> null;
            };
            case MODULE_ACTIVITY, KERNEL_EXTENSION_ACTIVITY -> activity == 1 ? DRIVER_LOAD : null;
            // A finding whose analytic is a rule is one of ours (or another engine's alert): not an observation.
            case DETECTION_FINDING -> ocsf.at("/finding_info/analytic/type_id").asInt(0) == 1 ? null : CHIRP_INTEGRITY;
            default -> null;
        };
    }

    /** {@return the Sigma categories this pipeline produces} */
    public Set<String> categories() { return TABLE.keySet(); }

    /** {@return the field mappings of a category (empty for a category this pipeline never produces)} */
    public List<FieldMapping> fields(String category) { return TABLE.getOrDefault(category, List.of()); }

    /** {@return whether events of {@code category} can carry the Sigma field {@code field}} */
    public boolean hasField(String category, String field) {
        return fields(category).stream().anyMatch(m -> m.sigmaField().equals(field));
    }

    private static Map<String, List<FieldMapping>> table() {
        Map<String, List<FieldMapping>> t = new LinkedHashMap<>();
        t.put(PROCESS_CREATION, List.of(
                path("Image", "process.file.path", "process.path"),
                path("CommandLine", "process.cmd_line"),
                path("ProcessId", "process.pid"),
                path("User", "process.user.name"),
                path("UserId", "process.user.uid"),
                path("CurrentDirectory", "process.working_directory"),
                path("OriginalFileName", "process.file.name"),
                path("LogonId", "process.session.uid"),
                path("ParentImage", "process.parent_process.file.path", "process.parent_process.path",
                        "actor.process.file.path", "actor.process.path"),
                path("ParentCommandLine", "process.parent_process.cmd_line", "actor.process.cmd_line"),
                path("ParentProcessId", "process.parent_process.pid", "actor.process.pid"),
                path("ParentUser", "process.parent_process.user.name", "actor.process.user.name", "actor.user.name")));
        t.put(CHIRP_CREDENTIALS, List.of(
                path("Image", "process.file.path", "process.path"),
                path("CommandLine", "process.cmd_line"),
                path("ProcessId", "process.pid"),
                path("User", "process.user.name"),
                path("UserId", "process.user.uid"),
                path("PreviousUser", "actor.user.name"),
                path("PreviousUserId", "actor.user.uid"),
                path("ParentImage", "process.parent_process.file.path", "process.parent_process.path")));
        t.put(NETWORK_CONNECTION, concat(ACTOR, List.of(
                path("DestinationIp", "dst_endpoint.ip"),
                path("DestinationPort", "dst_endpoint.port"),
                path("DestinationHostname", "dst_endpoint.hostname", "dst_endpoint.domain"),
                path("SourceIp", "src_endpoint.ip"),
                path("SourcePort", "src_endpoint.port"),
                path("Protocol", "connection_info.protocol_name"),
                derived("Initiated", "connection_info.direction_id (2 Outbound: true, 1 Inbound: false)",
                        OcsfPipeline::initiated))));
        t.put(SOCKET_LISTEN, concat(ACTOR, List.of(
                path("LocalIp", "dst_endpoint.ip", "src_endpoint.ip"),
                path("LocalPort", "dst_endpoint.port", "src_endpoint.port"),
                path("Protocol", "connection_info.protocol_name"))));
        List<FieldMapping> file = concat(ACTOR, List.of(path("TargetFilename", "file.path")));
        for (String c : List.of(FILE_EVENT, "file_change", "file_delete", "file_rename")) t.put(c, file);
        t.put(DRIVER_LOAD, concat(ACTOR, List.of(
                // a path only: a bare module name is not where it was loaded from
                path("ImageLoaded", "module.file.path", "driver.file.path"),
                path("ModuleName", "module.file.name", "driver.file.name"))));
        t.put(CHIRP_INTEGRITY, List.of(
                path("Finding", "finding_info.types"),
                path("Title", "finding_info.title"),
                path("Image", "evidences.0.process.file.path", "evidences.0.process.path"),
                path("ProcessName", "evidences.0.process.name"),
                path("ProcessId", "evidences.0.process.pid"),
                path("ObjectName", "resources.0.name"),
                path("ObjectType", "resources.0.type")));
        return java.util.Collections.unmodifiableMap(t);
    }

    private static Object initiated(JsonNode e) {
        return switch (e.at("/connection_info/direction_id").asInt(0)) {
            case 2 -> "true";
            case 1 -> "false";
            default -> null;
        };
    }

    private static List<FieldMapping> concat(List<FieldMapping> a, List<FieldMapping> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
