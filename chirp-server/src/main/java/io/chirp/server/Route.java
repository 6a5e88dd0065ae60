package io.chirp.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One operation of the API, declared once: method and path, the role it needs, whether calls are audited,
 * its parameters and documentation, and its handler. The dispatcher and the OpenAPI document both read this.
 *
 * @param method      HTTP method
 * @param path        path template, {@code /api/vms/{vm}/linux/pslist}
 * @param id          the OpenAPI operationId
 * @param tag         the OpenAPI tag (group)
 * @param role        the least role that may call it
 * @param audited     true if it reads guest data or changes anything: every call is written to the custody log
 * @param summary     one line
 * @param params      its parameters
 * @param response    what a success returns (for the document)
 * @param example     an example JSON body for operations with body parameters, or null
 * @param handler     what it does
 */
public record Route(String method, String path, String id, String tag, Role role, boolean audited, String summary,
                    List<Param> params, Response response, Map<String, Object> example, Handler handler) {
    /** Runs a validated call. */
    @FunctionalInterface
    public interface Handler {
        Reply handle(Call call) throws Exception;
    }

    /**
     * What a success returns.
     *
     * @param status      the HTTP status
     * @param contentType its media type
     * @param schema      a components/schemas name, or null for a free-form object
     * @param description what it is
     */
    public record Response(int status, String contentType, String schema, String description) {
        public static Response json(String schema, String description) {
            return new Response(200, "application/json", schema, description);
        }
    }

    public Route {
        params = List.copyOf(params);
        example = example == null ? null : Map.copyOf(example);
    }

    private static final Pattern SEGMENT = Pattern.compile("\\{([a-z_]+)}");

    /** {@return the path parameter values if {@code actual} matches this route's template, else null} */
    public Map<String, String> match(String actual) {
        Matcher m = regex().matcher(actual);
        if (!m.matches()) return null;
        Map<String, String> out = new java.util.LinkedHashMap<>();
        List<String> names = pathNames();
        for (int i = 0; i < names.size(); i++) out.put(names.get(i), m.group(i + 1));
        return out;
    }

    /** {@return the names of the path parameters, in order} */
    public List<String> pathNames() {
        List<String> names = new ArrayList<>();
        Matcher m = SEGMENT.matcher(path);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    private Pattern regex() {
        StringBuilder sb = new StringBuilder();
        Matcher m = SEGMENT.matcher(path);
        int last = 0;
        while (m.find()) {
            sb.append(Pattern.quote(path.substring(last, m.start()))).append("([^/]+)");
            last = m.end();
        }
        sb.append(Pattern.quote(path.substring(last)));
        return Pattern.compile(sb.toString());
    }

    /** {@return the parameters read from {@code in}} */
    public List<Param> params(Param.In in) { return params.stream().filter(p -> p.in() == in).toList(); }
}
