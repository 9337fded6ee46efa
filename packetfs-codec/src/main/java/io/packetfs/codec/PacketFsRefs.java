package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.DefaultByteBufHolder;
import io.packetfs.codec.internal.PacketFsBitpackRequest;
import io.packetfs.codec.internal.PacketFsScalarBitPacker;

/**
 * A run of references of one tier, held packed: {@code count} references of {@code tier.bytes()} bytes each,
 * big-endian, exactly as they travel (and as they feed the window CRC). One object per run, never one per
 * reference; read a reference with {@link #ref(int)} or unpack the run with {@link #unpack(int[], int)}.
 *
 * <p>Reference counted: whoever holds it releases it. Decoded runs are slices of the received frame.
 */
public final class PacketFsRefs extends DefaultByteBufHolder {

    private final PacketFsTier tier;
    private final int count;

    private PacketFsRefs(PacketFsTier tier, ByteBuf packed) {
        super(packed);
        this.tier = tier;
        this.count = packed.readableBytes() / tier.bytes();
    }

    /**
     * Wraps packed references (takes ownership of {@code packed}). Its readable bytes must be a whole number of
     * references; on a bad length {@code packed} is released and IllegalArgumentException thrown.
     */
    public static PacketFsRefs wrap(PacketFsTier tier, ByteBuf packed) {
        if (packed.readableBytes() % tier.bytes() != 0) {
            int len = packed.readableBytes();
            packed.release();
            throw new IllegalArgumentException(len + " bytes are not a whole number of " + tier + " references");
        }
        return new PacketFsRefs(tier, packed);
    }

    /** Packs {@code refs[offset .. offset + count)} into a new buffer from {@code alloc}. */
    public static PacketFsRefs pack(ByteBufAllocator alloc, PacketFsTier tier, int[] refs, int offset, int count) {
        ByteBuf buf = alloc.buffer(Math.multiplyExact(io.netty.util.internal.ObjectUtil.checkPositiveOrZero(count, "count"), tier.bytes()));
        boolean success = false;
        try {
            PacketFsScalarBitPacker.INSTANCE.pack(new PacketFsBitpackRequest().set(refs, offset, count, tier, buf));
            success = true;
            return new PacketFsRefs(tier, buf);
        } finally {
            if (!success) {
                buf.release();
            }
        }
    }

    /** The tier of every reference in the run. */
    public PacketFsTier tier() {
        return tier;
    }

    /** Number of references. */
    public int count() {
        return count;
    }

    /** Reference {@code i} (0-based) as an unsigned value in an int (L3 values above 2^31 read negative). */
    public int ref(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("reference " + i + " of " + count);
        }
        ByteBuf c = content();
        int at = c.readerIndex() + i * tier.bytes();
        switch (tier) {
            case L1:
                return c.getUnsignedByte(at);
            case L2:
                return c.getUnsignedShort(at);
            default:
                return c.getInt(at);
        }
    }

    /** Copies every reference into {@code dst} from {@code offset}. */
    public void unpack(int[] dst, int offset) {
        ByteBuf view = content().duplicate();
        PacketFsScalarBitPacker.INSTANCE.unpack(new PacketFsBitpackRequest().set(dst, offset, count, tier, view));
    }

    /** References {@code from .. from + n} as a new run sharing this one's memory (retained). */
    public PacketFsRefs retainedSlice(int from, int n) {
        if (from < 0 || n < 0 || from > count - n) {
            throw new IndexOutOfBoundsException("slice " + from + "+" + n + " of " + count);
        }
        int b = tier.bytes();
        return new PacketFsRefs(tier, content().retainedSlice(content().readerIndex() + from * b, n * b));
    }

    @Override
    public PacketFsRefs replace(ByteBuf content) {
        return new PacketFsRefs(tier, content);
    }

    @Override
    public PacketFsRefs copy() {
        return (PacketFsRefs) super.copy();
    }

    @Override
    public PacketFsRefs duplicate() {
        return (PacketFsRefs) super.duplicate();
    }

    @Override
    public PacketFsRefs retainedDuplicate() {
        return (PacketFsRefs) super.retainedDuplicate();
    }

    @Override
    public PacketFsRefs retain() {
        super.retain();
        return this;
    }

    @Override
    public PacketFsRefs retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public PacketFsRefs touch() {
        super.touch();
        return this;
    }

    @Override
    public PacketFsRefs touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "PacketFsRefs(" + tier + " x" + count + ')';
    }
}
