/**
 * The {@code ./packetfs} command line ({@link io.packetfs.examples.PacketFsCli}): demo, send, recv, pool, echo,
 * echo-server, relay, bench, bench-transport and codec-demo. The file-transfer session it speaks is
 * {@code docs/PROTOCOL.md} section 7.
 */
package io.packetfs.examples;
