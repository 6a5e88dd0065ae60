/** Linux views over guest memory: processes, modules, sockets, files, maps, and integrity checks. */
package io.chirp.linux;
