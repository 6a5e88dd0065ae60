/**
 * A fleet of hypervisor hosts on Apache Kafka: {@code chirp sensor} on each host, {@code chirp serve --kafka} once.
 *
 * <pre>
 *  sensor host                                   Kafka                       server
 *  Monitor ─▶ EventPipeline (Sigma) ─▶ Spool ─▶ SpoolSender ─▶ chirp.events.ID ─▶ FleetIngest ─▶ EventStore.insertNew
 *  (or ReplaySource)                  (disk,    (idempotent,   (key: ID/vm)      (commit after   (de-duplicated by id)
 *                                      bounded)  acks=all)                        the store)
 *  Heartbeats ───────────────────────────────────────────────▶ chirp.heartbeats.ID ─▶ FleetView (hosts, VMs, lost)
 * </pre>
 *
 * <p>Delivery: every record is written to the sensor's on-disk spool before it is sent, and leaves it only when
 * the broker has acknowledged it with {@code acks=all}; a sensor killed in between sends it again after its restart.
 * The server commits its consumer offsets only after the store's transaction, and the store takes each event id
 * once ({@link io.chirp.events.store.EventStore#insertNew}), so each event is stored exactly once. Records are keyed
 * by sensor and VM, so one VM's records share a partition and keep their order. Each sensor has topics of its own
 * (ID is the sensor's id): the brokers' ACLs let a sensor's user write only those, and the server rejects a record
 * whose sensor is not its topic's, so a sensor can publish only as itself. Each record carries the sensor's epoch
 * (one per start) and a per-VM sequence number, so a gap or a reordering can be seen and is reported.
 *
 * <p>Every consumer here (the ingest, central Sigma, the server's transfer consumer, the sensor's command reader)
 * is one {@link io.chirp.fleet.ConsumerLoop}: poll, process, commit after, back off and resume from the committed
 * offsets on any failure. Remote jobs outlive the server: {@link io.chirp.fleet.TransferJournal}.
 */
package io.chirp.fleet;
