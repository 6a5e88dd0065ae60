package io.chirp.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * CHIRP's one version: what {@code chirp --version} prints and what every output that names its producer carries
 * (OCSF {@code metadata.product.version}, the ISF producer, acquisition manifests). It comes from a resource that
 * Maven fills in when chirp-core is built, so the commit is the one the classes were built from.
 *
 * @param version   the Maven project version, e.g. 0.1.0-SNAPSHOT
 * @param commit    the abbreviated git commit, or "unknown" when the build was not in a git checkout
 * @param dirty     true when the checkout had uncommitted changes at build time
 * @param buildTime the build time (UTC, ISO-8601), or "unknown"
 */
public record ChirpVersion(String version, String commit, boolean dirty, String buildTime) {
    public static final String UNKNOWN = "unknown";
    private static final String RESOURCE = "build-info.properties";
    private static final ChirpVersion CURRENT = load();

    /** {@return the version of the running CHIRP} */
    public static ChirpVersion current() { return CURRENT; }

    /**
     * {@return the version as one token, semver style: {@code 0.1.0-SNAPSHOT+abc1234} (with {@code .dirty} when
     * built from uncommitted changes)} This is the string outputs carry.
     */
    @Override public String toString() {
        if (commit.equals(UNKNOWN)) return version;
        return version + "+" + commit + (dirty ? ".dirty" : "");
    }

    /**
     * {@return the release number alone, {@code 0.1.0} for {@code 0.1.0-SNAPSHOT}} For formats that allow only
     * {@code MAJOR.MINOR.PATCH} (Volatility's ISF producer version); they carry {@link #toString()} beside it.
     */
    public String release() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+\\.\\d+\\.\\d+)").matcher(version);
        return m.find() ? m.group(1) : "0.0.0";
    }

    /** {@return the line {@code chirp --version} prints: product, version, commit and build time} */
    public String describe() {
        return "CHIRP " + version + " (commit " + commit + (dirty ? ", uncommitted changes" : "") + ", built "
                + buildTime + ")";
    }

    static ChirpVersion load() {
        Properties p = new Properties();
        try (InputStream in = ChirpVersion.class.getResourceAsStream(RESOURCE)) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // An unreadable resource leaves every field unknown; a version must never stop CHIRP from running.
        }
        return of(p);
    }

    /** Reads the filtered properties; a placeholder Maven did not fill in (no git, say) becomes "unknown". */
    static ChirpVersion of(Properties p) {
        return new ChirpVersion(value(p, "version"), value(p, "commit"), "true".equals(value(p, "dirty")),
                value(p, "build_time"));
    }

    private static String value(Properties p, String key) {
        String v = p.getProperty(key, "").strip();
        return v.isEmpty() || v.contains("${") ? UNKNOWN : v;
    }
}
