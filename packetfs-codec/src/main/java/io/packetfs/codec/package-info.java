/**
 * PacketFS codec: Netty handlers for the wire format defined in {@code docs/PROTOCOL.md} (version 0.1).
 *
 * <p>Outbound: {@link io.packetfs.codec.PacketFsSyncInserter} then {@link io.packetfs.codec.PacketFsTierEncoder}.
 * Inbound: {@link io.packetfs.codec.PacketFsTierDecoder}, {@link io.packetfs.codec.PacketFsCrcWindowChecker},
 * {@link io.packetfs.codec.PacketFsSyncValidator}; {@link io.packetfs.codec.PacketFsPipelines#addCodec} adds them
 * all. Pools and the pool encoder/decoder, which turn bytes into references and back (section 8), are in
 * {@link io.packetfs.codec.pool}; reliable delivery (section 9: sequence numbers, NACK repair, flow and congestion
 * control), which {@link io.packetfs.codec.PacketFsPipelines#addReliableCodec} puts below the codec, is in
 * {@link io.packetfs.codec.reliability}; the helpers they share (wire constants, bit reader and writer, the bit packer,
 * prp32) are in {@link io.packetfs.codec.internal}, which is not API.
 */
package io.packetfs.codec;
