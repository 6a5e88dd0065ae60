/**
 * Declared tables: every view CHIRP shows (processes, modules, sockets, files, maps, mounts, kernel log, integrity
 * findings, VMs, registers, events, disk files and images, flows and captures, address translations, the timeline)
 * has its columns declared once here, each with a name, a type and a doc line ({@link LinuxTables},
 * {@link HostTables}, {@link DiskTables}, {@link NetTables}, {@link MemoryViews}, {@link Timeline}; all listed by
 * {@link Tables}). The CLI prints them with one {@code Table.print(Rows, out, format)}; {@link TextCells} makes
 * cells safe for terminals and CSV for the CLI and the API alike.
 * The REST API renders them as JSON (typed: numbers are JSON numbers, 64-bit addresses 0x-hex strings) and
 * publishes their schemas in the OpenAPI document; the CLI prints the same rows as a table, JSON or CSV.
 *
 * <pre>
 *   LinuxKernel / VmInventory / EventStore / disks / captures ──▶ LinuxViews, DiskTables.ls, NetTables.flows,
 *                                                  MemoryViews, Timeline (run a view with its parameters)
 *                                                  │  domain records (LinuxProcess, LinuxSocket, ...)
 *                                                  ▼
 *                                        TableDef&lt;R&gt; (Column&lt;R&gt;: name, type, doc, value)
 *                                                  │
 *                                                  ▼
 *                                   Rows: typed cells + problems (partial is never silent)
 *                                        ├─▶ JSON objects (server, CLI --format json)
 *                                        ├─▶ text cells (CLI table and CSV, via ColumnType#text, TextCells)
 *                                        └─▶ Timesketch JSONL (Timeline#timesketch)
 * </pre>
 *
 * Guest strings are passed through unescaped: escaping belongs to the output format (the CLI's table and CSV
 * escape control characters, JSON encoders escape them by construction).
 */
package io.chirp.tables;
