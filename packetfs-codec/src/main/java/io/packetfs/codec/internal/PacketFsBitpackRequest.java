package io.packetfs.codec.internal;

import io.netty.buffer.ByteBuf;
import io.packetfs.codec.PacketFsTier;

/**
 * One batch for a {@link PacketFsBitPacker}, shaped like the seed's {@code gpu_bitpack_request_t}: the references,
 * how many, their tier, and the byte buffer on the other side. Mutable and meant to be reused, so a hot loop
 * allocates nothing.
 *
 * <pre>
 *   pack:   refs[refOffset .. refOffset + refCount)  --&gt;  buffer, appended at its writer index
 *   unpack: buffer, consumed from its reader index    --&gt;  refs[refOffset .. refOffset + refCount)
 * </pre>
 */
public final class PacketFsBitpackRequest {

    /** The references (L3 values are unsigned 32-bit values held in an int). */
    public int[] refs;
    /** First reference of the batch in {@link #refs}. */
    public int refOffset;
    /** Number of references in the batch. */
    public int refCount;
    /** Tier of every reference in the batch. */
    public PacketFsTier tier;
    /** The packed side. */
    public ByteBuf buffer;

    /** Sets every field; returns this. */
    public PacketFsBitpackRequest set(int[] refs, int refOffset, int refCount, PacketFsTier tier, ByteBuf buffer) {
        this.refs = refs;
        this.refOffset = refOffset;
        this.refCount = refCount;
        this.tier = tier;
        this.buffer = buffer;
        return this;
    }

    /** Bytes that {@link #refCount} references of {@link #tier} take. */
    public int packedLength() {
        return refCount * tier.bytes();
    }
}
