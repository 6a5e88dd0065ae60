/**
 * The embedded event store: one SQLite file (default {@code $CHIRP_HOME/events.db}, else
 * {@code ~/.cache/chirp/events.db}) holding every event as its JSON plus indexed columns to query by.
 *
 * <pre>
 *   StoreSink ──insert(batch)──► EventStore (one writer) ──► events.db (WAL) ◄── EventStore.openReadOnly (readers)
 *                                                                  ▲
 *   chirp events --vm --since --class --limit ──► EventQuery ──────┘
 * </pre>
 *
 * WAL mode lets readers (the CLI, the server) query while the monitor writes; a busy timeout absorbs the short
 * moments when SQLite needs exclusive access (checkpoints).
 */
package io.chirp.events.store;
