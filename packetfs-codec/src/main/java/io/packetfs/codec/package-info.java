/**
 * PacketFS codec: Netty handlers for the wire format defined in {@code docs/PROTOCOL.md} (version 0.1).
 *
 * <p>Outbound: {@link io.packetfs.codec.PacketFsSyncInserter} then {@link io.packetfs.codec.PacketFsTierEncoder}.
 * Inbound: {@link io.packetfs.codec.PacketFsTierDecoder}, {@link io.packetfs.codec.PacketFsCrcWindowChecker},
 * {@link io.packetfs.codec.PacketFsSyncValidator}.
 */
package io.packetfs.codec;
