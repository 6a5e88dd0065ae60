package io.chirp.server;

import io.chirp.core.OwnerOnly;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;
import io.chirp.detect.Detector;
import io.chirp.detect.RuleProblem;
import io.chirp.detect.eval.CompiledRule;
import io.chirp.events.store.EventQuery;
import io.chirp.fleet.FleetIngest;
import io.chirp.fleet.FleetRecord;
import io.chirp.fleet.FleetTopics;
import io.chirp.fleet.FleetView;
import io.chirp.events.store.EventStore;
import io.chirp.events.store.StoredEvent;
import io.chirp.events.sink.StoreSink;
import io.chirp.evidence.store.EvidenceStore;
import io.chirp.server.response.ResponseRules;
import io.chirp.monitor.EventPipeline;
import io.chirp.monitor.Monitor;
import io.chirp.monitor.VmWatcher;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.nio.file.Files;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The platform in one process: the monitor watches the host's VMs, the pipeline keeps the event store and runs
 * detection (as {@code chirp monitor} does), and the REST API serves views, events, alerts, jobs and the live
 * stream; the web console is served beside it ({@link ConsoleFront}). {@link #start} returns once it listens;
 * {@link #close} stops everything it started.
 */
public final class ChirpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChirpServer.class);
    static final String VERSION = "0.1.0";

    private final ServerConfig config;
    private final Credentials credentials;
    private final Audit audit;
    private final EventHub hub = new EventHub();
    private final Alerts alerts = new Alerts();
    private volatile Detector detector;
    private final EventStore store;
    private final EventPipeline pipeline;
    private final VmStates vmStates;
    private final Jobs jobs;
    private final EvidenceStore evidence;
    /** Set last in the constructor: alerts before that (there are none, the monitor starts later) get no response. */
    private volatile Responder responder;
    private final List<Route> routes;
    private final ObjectNode openApi;
    private final FleetOptions fleetOptions;
    private FleetIngest ingest;
    private io.chirp.fleet.CommandChannel commands;
    private io.chirp.fleet.FleetDetect central;
    private Monitor monitor;
    private Server jetty;
    private HttpFront front;
    private Thread flusher;
    private String firstAdminToken;
    private String fingerprint;
    private URI uri;

    /**
     * How the server takes in a fleet: its sensors' topics, its consumer group (servers in one group share the
     * work), when a silent host counts as lost, whether this server also watches its own host's VMs, and whether it
     * runs the Sigma rules on the sensors' events itself (sensors started with {@code --sigma central}), as one
     * member of the detection group {@code GROUP-detect}.
     */
    public record FleetOptions(FleetTopics topics, String group, Duration lostAfter, boolean localMonitor, boolean centralSigma) {
        /** As before: Sigma at the sensors. */
        public FleetOptions(FleetTopics topics, String group, Duration lostAfter, boolean localMonitor) {
            this(topics, group, lostAfter, localMonitor, false);
        }
    }

    private ChirpServer(ServerConfig config, FleetOptions fleet) {
        this.config = config;
        this.fleetOptions = fleet;
        OwnerOnly.dir(config.serverDir());
        this.credentials = Credentials.open(config.credentialsFile());
        this.detector = detector(config);
        this.store = EventStore.open(config.storeLocation());
        this.audit = new Audit(config.auditFile());
        this.pipeline = new EventPipeline(List.of(new StoreSink(store, false)), detector, a -> {
            Alerts.View v = alerts.add(a);
            hub.publish(EventHub.Topic.alert, a.vm().name(), v);
            Responder r = this.responder;
            if (r != null) r.onAlert(v, a);
        }, e -> hub.publish(EventHub.Topic.event, e.vmName(), e.json()));
        this.vmStates = new VmStates(pipeline);
        this.evidence = EvidenceStore.open(config.evidenceDir());
        this.jobs = new Jobs(evidence, audit, v -> hub.publish(EventHub.Topic.job, v.vm(), v));
        Responder rs = new Responder(evidence, jobs);
        if (config.rules() != null && Files.isDirectory(config.rules()) && hasResponses(config.rules())) {
            rs.rules(ResponseRules.load(config.rules())); // response rules beside the Sigma rules
        }
        this.responder = rs;
        this.routes = Api.routes(this);
        this.openApi = OpenApi.document(routes, VERSION);
    }

    /**
     * Starts the server: checks the binding rule, loads (or generates) the TLS key, makes the first admin token
     * on first start, starts the monitor, then listens.
     */
    public static ChirpServer start(ServerConfig config) { return start(config, null); }

    /** Starts the server as {@link #start(ServerConfig)} does, also consuming a fleet's Kafka topics (null: none). */
    public static ChirpServer start(ServerConfig config, FleetOptions fleet) {
        InetAddress bind = Tls.checkBinding(config.host(), config.tls());
        ChirpServer s = new ChirpServer(config, fleet);
        try {
            s.listen(bind);
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void listen(InetAddress bind) {
        if (credentials.isEmpty()) {
            firstAdminToken = credentials.createToken("admin", Role.ADMIN).secret();
            audit.custody("chirp-serve", "created the first admin token", config.credentialsFile().toString(), null,
                    "first start; the token was printed once and is stored only hashed");
        }
        Tls.Loaded tls = Tls.load(config.tls());
        if (fleetOptions == null || fleetOptions.localMonitor()) {
            monitor = Monitor.start(config.vms(), new VmWatcher.Options(config.interval(), config.trace(), config.integrityEvery()),
                    vmStates);
        }
        if (fleetOptions != null) {
            commands = io.chirp.fleet.CommandChannel.start(fleetOptions.topics(), fleetOptions.group(),
                    io.chirp.fleet.CommandKeys.loadOrCreate(config.serverDir()), config.serverDir().resolve("fleet-commands"));
            jobs.fleet(commands);
            for (io.chirp.fleet.CommandChannel.Unfinished u : commands.unfinished()) {
                Jobs.View v;
                try {
                    v = jobs.resumeOnSensor(u);
                } catch (RuntimeException e) { // one command's journal must not keep the server from starting
                    log.warn("cannot resume command {}: {}", u.command().id(), e.toString());
                    continue;
                }
                // in the central chain between the sensor's records and the collection: the custody did not break
                evidence.record(io.chirp.evidence.store.Actor.api("chirp-serve", null), "resume remote job", "job " + v.id(), null,
                        "command " + u.command().id() + " on sensor " + u.command().sensor() + " for " + u.command().vm() + ", "
                                + u.chunks() + " chunks on disk at the restart");
            }
            if (fleetOptions.centralSigma()) {
                central = io.chirp.fleet.FleetDetect.start(fleetOptions.topics(), fleetOptions.group() + "-detect", detector, found -> {
                    for (io.chirp.events.OcsfEvent f : store.insertNew(found.stream().map(io.chirp.fleet.FleetDetect.Found::finding).toList())) { // the same finding twice is stored once
                        hub.publish(EventHub.Topic.event, f.vmName(), f.json());
                        hub.publish(EventHub.Topic.alert, f.vmName(), alerts.add(f.vmName(), f));
                    }
                }, "chirp-fleet-detect");
            }
            ingest = FleetIngest.start(fleetOptions.topics(), fleetOptions.group(), store,
                    new FleetView(fleetOptions.lostAfter(), java.time.Clock.systemUTC()), new FleetIngest.Listener() {
                        @Override public void stored(FleetRecord r, io.chirp.events.OcsfEvent e) {
                            hub.publish(EventHub.Topic.event, r.vm(), e.json());
                            if (r.kind() == FleetRecord.Kind.ALERT) hub.publish(EventHub.Topic.alert, r.vm(), alerts.add(r.vm(), e));
                        }

                        @Override public void custody(FleetRecord r) { importCustody(r); }

                        @Override public void job(FleetRecord r) { commands.reply(r); }
                    }, config.serverDir().resolve("fleet-import-marks.json"));
        }
        flusher = Thread.ofVirtual().name("chirp-serve-flush").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(Duration.ofSeconds(1));
                } catch (InterruptedException e) {
                    return;
                }
                pipeline.flush();
            }
        });
        jetty = new Server(new VirtualThreadPool());
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        ServerConnector connector;
        if (tls != null) {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStore(tls.keyStore());
            ssl.setKeyStorePassword(new String(tls.password()));
            ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
            SecureRequestCustomizer src = new SecureRequestCustomizer();
            src.setSniHostCheck(false); // clients often connect by IP address; the certificate names are still checked by them
            http.addCustomizer(src);
            connector = new ServerConnector(jetty, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
            fingerprint = tls.fingerprint();
        } else {
            connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
        }
        connector.setHost(bind.getHostAddress());
        connector.setPort(config.port());
        jetty.addConnector(connector);
        Sessions sessions = new Sessions();
        front = new HttpFront(routes, credentials, audit, sessions);
        jetty.setHandler(new ConsoleFront(front, credentials, sessions, audit, tls != null));
        jetty.setStopTimeout(5_000);
        try {
            jetty.start();
        } catch (Exception e) {
            throw ChirpException.io("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        String host = bind.getHostAddress().contains(":") ? "[" + bind.getHostAddress() + "]" : bind.getHostAddress();
        uri = URI.create((tls != null ? "https" : "http") + "://" + host + ":" + connector.getLocalPort());
    }

    private static boolean hasResponses(java.nio.file.Path dir) {
        try (var s = Files.walk(dir, 4)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(ResponseRules.SUFFIX));
        } catch (java.io.IOException e) {
            throw ChirpException.io("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Detector detector(ServerConfig c) {
        List<CompiledRule> all = new ArrayList<>();
        if (c.shippedRules()) all.addAll(Detector.shipped().rules());
        if (c.rules() != null) {
            Detector extra = Detector.load(c.rules());
            for (RuleProblem p : extra.problems()) log.warn("skipped rule: {}", p);
            all.addAll(extra.rules());
        }
        if (all.isEmpty()) throw ChirpException.usage("no rules to run");
        return Detector.of(all);
    }

    /** {@return where it listens, e.g. http://127.0.0.1:8470} */
    public URI uri() { return uri; }

    /** {@return the admin token made at first start (print it once), or null if this was not the first start} */
    public String firstAdminToken() { return firstAdminToken; }

    /** {@return the TLS certificate's SHA-256 fingerprint, or null without TLS} */
    public String fingerprint() { return fingerprint; }

    public Credentials credentials() { return credentials; }

    public Audit audit() { return audit; }

    public Jobs jobs() { return jobs; }

    /** {@return the automatic response: its rules, counters and what it did} */
    public Responder responder() { return responder; }

    /** {@return the evidence store every artifact of the server goes to} */
    public EvidenceStore evidence() { return evidence; }

    /** {@return the live stream's hub (what the monitor, detection and jobs publish to)} */
    public EventHub hub() { return hub; }

    Alerts alerts() { return alerts; }

    Detector detector() { return detector; }

    /** Adds the rules in {@code yaml} (admin): each must load, compile and have an id no other rule has. */
    synchronized List<CompiledRule> addRules(String yaml, String who) {
        Detector extra = Detector.fromYaml(yaml, "api:" + who);
        if (!extra.problems().isEmpty()) throw ChirpException.usage("rule rejected: " + extra.problems());
        if (extra.rules().isEmpty()) throw ChirpException.usage("no rule in the text");
        for (CompiledRule r : extra.rules()) {
            if (r.rule().id() == null || !r.rule().id().matches("[A-Za-z0-9_-]{1,64}")) {
                throw ChirpException.usage("a rule needs an id of letters, digits, '-' or '_'");
            }
            if (detector.rule(r.rule().id()).isPresent()) throw ChirpException.usage("a rule with id " + r.rule().id() + " exists");
        }
        List<CompiledRule> all = new ArrayList<>(detector.rules());
        all.addAll(extra.rules());
        detector = Detector.of(all);
        pipeline.detector(detector);
        return extra.rules();
    }

    /** Removes a rule by id (admin); {@return false if there is none} */
    synchronized boolean removeRule(String id) {
        List<CompiledRule> kept = detector.rules().stream().filter(r -> !id.equals(r.rule().id())).toList();
        if (kept.size() == detector.rules().size()) return false;
        if (kept.isEmpty()) throw ChirpException.usage("refusing to remove the last rule");
        detector = Detector.of(kept);
        pipeline.detector(detector);
        return true;
    }

    VmStates vmStates() { return vmStates; }

    ObjectNode openApi() { return openApi.deepCopy(); }

    /** {@return the route table (what the OpenAPI document lists)} */
    public List<Route> routes() { return routes; }

    /** {@return the fleet: hosts and VMs, and the ingest's counters; empty without --kafka} */
    Map<String, Object> fleet() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kafka", ingest == null ? null : fleetOptions.topics().bootstrap());
        m.put("lost_after_seconds", ingest == null ? null : fleetOptions.lostAfter().toSeconds());
        m.put("hosts", ingest == null ? List.of() : ingest.view().hosts());
        m.put("counters", ingest == null ? Map.of() : ingest.counters());
        return m;
    }

    /** {@return the monitor's counters} */
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("events", pipeline.events());
        m.put("alerts", pipeline.alerts());
        m.put("errors", pipeline.errors());
        m.put("subscribers", (long) hub.subscribers());
        return m;
    }

    List<StoredEvent> queryEvents(EventQuery q) {
        pipeline.flush(); // what the stream already showed is in the answer
        return store.query(q);
    }

    /**
     * Appends a sensor's custody record to the central chain, as the sensor's: the action on its host, what it
     * concerned, the hash, and the record's own hash in the sensor's chain, so the custody of an artifact acquired
     * on another host runs on unbroken from the command to the central store. The fields come from the network:
     * bounded and stripped of control characters.
     */
    private void importCustody(FleetRecord r) {
        com.fasterxml.jackson.databind.JsonNode b = r.body();
        String sha = b.path("sha256").asText("");
        evidence.record(io.chirp.evidence.store.Actor.sensor(r.sensor()), "sensor: " + clip(b.path("action").asText("?")),
                clip(b.path("subject").asText("")), sha.matches("[0-9a-f]{64}") ? sha : null,
                "sensor_time=" + clip(b.path("time").asText("")) + "; record=" + r.id() + "; " + clip(b.path("detail").asText("")));
    }

    private static String clip(String s) {
        String t = s.replaceAll("\\p{Cntrl}", " ");
        return t.length() > 2_000 ? t.substring(0, 2_000) + "..." : t;
    }

    @Override public void close() {
        if (front != null) front.stopStreams();
        hub.closeAll();
        if (jetty != null) {
            try {
                jetty.stop();
            } catch (Exception e) {
                log.warn("stopping the HTTP server: {}", e.toString());
            }
        }
        if (ingest != null) ingest.close();
        if (central != null) central.close();
        if (commands != null) commands.close();
        if (monitor != null) monitor.close();
        if (flusher != null) flusher.interrupt();
        responder.close();
        jobs.close();
        pipeline.close();
        store.close();
        audit.close();
        evidence.close();
    }
}
