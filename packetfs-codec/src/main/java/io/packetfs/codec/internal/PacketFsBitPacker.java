package io.packetfs.codec.internal;

import io.packetfs.codec.PacketFsException;

/**
 * Packs runs of references into the bitstream and back: the seam where a vectorised or GPU implementation (the
 * seed's {@code gpu_bitpack_encode} / {@code gpu_bitpack_decode}) can replace {@link PacketFsScalarBitPacker}.
 * Implementations allocate nothing per call and are safe to share between threads (all state is in the request).
 */
public interface PacketFsBitPacker {

    /**
     * Appends {@code request.refCount} references, MSB-first at the tier's width, at the buffer's writer index.
     *
     * @throws IllegalArgumentException if a reference does not fit its tier (nothing is written then)
     */
    void pack(PacketFsBitpackRequest request);

    /**
     * Reads {@code request.refCount} references of the tier from the buffer's reader index into the array.
     *
     * @throws PacketFsException with reason TRUNCATED if the buffer holds fewer bytes (nothing is read then)
     */
    void unpack(PacketFsBitpackRequest request);
}
