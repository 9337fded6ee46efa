/**
 * PacketFS codec: Netty handlers for the wire format defined in {@code docs/PROTOCOL.md} (version 0.1).
 *
 * <p>Outbound: {@link io.packetfs.codec.PacketFsSyncInserter} then {@link io.packetfs.codec.PacketFsTierEncoder}.
 * Inbound: {@link io.packetfs.codec.PacketFsTierDecoder}, {@link io.packetfs.codec.PacketFsCrcWindowChecker},
 * {@link io.packetfs.codec.PacketFsSyncValidator}; {@link io.packetfs.codec.PacketFsPipelines#addCodec} adds them
 * all. Pools and the pool encoder/decoder ({@link io.packetfs.codec.PacketFsPool},
 * {@link io.packetfs.codec.PacketFsPoolEncoderHandler}, {@link io.packetfs.codec.PacketFsPoolDecoderHandler}) turn
 * bytes into references and back (section 8).
 */
package io.packetfs.codec;
