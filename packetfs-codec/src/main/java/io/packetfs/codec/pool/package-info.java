/**
 * PacketFS pools and the pool coder: bytes into references and COPY units and back ({@code docs/PROTOCOL.md}
 * section 8).
 *
 * <p>A {@link io.packetfs.codec.pool.PacketFsPool} (a file or a seeded synthetic pool, identified by its fingerprint)
 * is cut into L2 and L3 units by its {@link io.packetfs.codec.pool.PacketFsPoolGeometry};
 * {@link io.packetfs.codec.pool.PacketFsPoolIndex} and {@link io.packetfs.codec.pool.PacketFsPoolAnchors} find data
 * in it. {@link io.packetfs.codec.pool.PacketFsPoolEncoder} and {@link io.packetfs.codec.pool.PacketFsPoolDecoder}
 * turn bytes into references and COPY units and back; {@link io.packetfs.codec.pool.PacketFsPoolEncoderHandler}
 * (before {@link io.packetfs.codec.PacketFsSyncInserter}) and {@link io.packetfs.codec.pool.PacketFsPoolDecoderHandler}
 * (after {@link io.packetfs.codec.PacketFsTierDecoder} and the window checks) put them in a pipeline. The frame codec
 * itself is in {@link io.packetfs.codec}; this package depends on it, never the reverse.
 */
package io.packetfs.codec.pool;
