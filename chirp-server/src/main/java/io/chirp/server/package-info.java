/**
 * {@code chirp serve}: the platform in one process, behind a REST API.
 *
 * <pre>
 *   Monitor (one watcher per VM) ──▶ VmStates ──▶ EventPipeline ──▶ StoreSink (events.db)
 *                                                     │  Sigma ──▶ Alerts
 *                                                     └──────────▶ EventHub ──▶ /api/stream (SSE, bounded queues)
 *   Jobs (acquisitions, own threads) ──progress──────────────────▶ EventHub
 *
 *   browser ──▶ ConsoleFront: the console's files (CSP, no inline code) · /api/session (cookie + CSRF token)
 *                 └─ /api/... ──▶ HttpFront (a session cookie authenticates like a token; non-GET needs the CSRF header)
 *   request ──▶ HttpFront: route (Api, THE route table) ─ authenticate (Credentials) ─ role ─ validate (Param)
 *               ─ handler ─ reply or JSON error (ApiError: ChirpException.Kind → HTTP status, one place)
 *               ─ Audit (custody log, hash-chained) ;  OpenApi writes /api/openapi.json from the same table
 * </pre>
 *
 * <p><b>Why plain Jetty 12 (jetty-server, no servlets, no framework).</b> The security model needs one route
 * table that is at once the dispatcher, the authorisation rule and the OpenAPI document; a framework's own
 * routing and annotation-driven OpenAPI plugin would be a second description to keep in step, and Javalin 7's
 * OpenAPI plugin is not served for 7.x here. Jetty is the well-kept server underneath Javalin anyway: its core
 * {@code Handler} API is small, it runs handlers on virtual threads ({@code VirtualThreadPool}), which suits
 * blocking guest reads and long-lived SSE streams, and its {@code SslContextFactory} gives TLS 1.2/1.3 from a
 * {@code KeyStore}. Passwords are hashed with Spring Security's BCrypt (spring-security-crypto, no other Spring
 * needed); tokens are 256-bit random and stored as SHA-256.
 *
 * <p><b>Security.</b> The API is root over every VM: it listens on loopback unless TLS is configured
 * ({@link io.chirp.server.Tls#checkBinding}); every call is authenticated; roles are declared per route; every
 * parameter is validated by its declaration and JSON bodies are capped at 64 KiB; every call that reads guest
 * data or changes anything is recorded in the custody log; credentials, the TLS key and evidence are owner-only.
 */
package io.chirp.server;
