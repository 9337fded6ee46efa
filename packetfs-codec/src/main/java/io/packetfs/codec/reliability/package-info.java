/**
 * Reliable delivery of PacketFS frames ({@code docs/PROTOCOL.md} section 9): sequence numbers, a Session ID and a
 * CRC32C trailer on every frame, NACK repair, STATUS flow control, reordering and duplicate suppression, congestion
 * control and pacing (section 9.5).
 *
 * <p>{@link io.packetfs.codec.reliability.PacketFsReliability} is the handler, one per session, between the transport
 * adapter and the frame codec ({@link io.packetfs.codec.PacketFsPipelines#addReliableCodec} puts it there), set up by
 * a {@link io.packetfs.codec.reliability.PacketFsReliabilityConfig}; a peer that falls silent fails the channel with a
 * {@link io.packetfs.codec.reliability.PacketFsPeerTimeoutException}. Its counters are published through
 * {@link io.packetfs.codec.reliability.PacketFsReliabilityCounters} (the codec's metrics seam). Congestion control sits
 * behind {@link io.packetfs.codec.reliability.PacketFsCongestionControl}; the default is
 * {@link io.packetfs.codec.reliability.PacketFsCubic} (CUBIC, RFC 9438, with HyStart++). The handler's parts are
 * package-private: the STATUS and NACK units (a flyweight with named offsets), the send window with its repair queue,
 * the receive window with its gap scan, the pacer and the round-trip estimator. This package depends on the frame
 * codec in {@link io.packetfs.codec} (its configuration and metrics seam) and on {@link io.packetfs.codec.internal}; of
 * the frame codec, only {@link io.packetfs.codec.PacketFsPipelines} depends on it.
 */
package io.packetfs.codec.reliability;
