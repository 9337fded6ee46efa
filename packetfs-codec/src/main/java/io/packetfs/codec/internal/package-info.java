/**
 * Internal helpers of the PacketFS codec: public so that {@link io.packetfs.codec}, {@link io.packetfs.codec.pool} and
 * {@link io.packetfs.codec.reliability} (and the project's own benchmarks) can share them, but <b>not API</b>.
 * Anything here may change or disappear in any release without notice; do not use it from outside the codec (as
 * Netty's {@code io.netty.util.internal}).
 *
 * <p>{@link io.packetfs.codec.internal.PacketFsConstants} holds the wire constants of {@code docs/PROTOCOL.md};
 * {@link io.packetfs.codec.internal.PacketFsBitWriter} and {@link io.packetfs.codec.internal.PacketFsBitReader}
 * write and read the MSB-first bitstream; {@link io.packetfs.codec.internal.PacketFsBitPacker} (with
 * {@link io.packetfs.codec.internal.PacketFsScalarBitPacker} and its reusable
 * {@link io.packetfs.codec.internal.PacketFsBitpackRequest}) is the seam where a vectorised packer could replace the
 * scalar one; {@link io.packetfs.codec.internal.PacketFsPrp32} is the keyed 32-bit permutation behind the pool's L1
 * table (section 8). No public signature of the codec, the pool coder or reliable delivery takes or returns a type of
 * this package.
 */
package io.packetfs.codec.internal;
