package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufHolder;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.Recycler;
import io.packetfs.codec.internal.PacketFsBitpackRequest;
import io.packetfs.codec.internal.PacketFsScalarBitPacker;

import java.util.Objects;

/**
 * A run of references of one tier, held packed: {@code count} references of {@code tier.bytes()} bytes each,
 * big-endian, exactly as they travel (and as they feed the window CRC). One object per run, never one per
 * reference; read a reference with {@link #ref(int)} or unpack the run with {@link #unpack(int[], int)}.
 *
 * <p>Reference counted: whoever holds it releases it. Decoded runs are slices of the received frame. The holder
 * itself is recycled (Netty's {@link Recycler}, as its pooled buffers are) when a {@code release} frees its
 * content, so a decoder or encoder running on an event loop hands runs along without allocating one per frame: do
 * not touch a run after releasing it, as with any released buffer.
 */
public final class PacketFsRefs implements ByteBufHolder {

    private static final Recycler<PacketFsRefs> RECYCLER = new Recycler<PacketFsRefs>() {
        @Override
        protected PacketFsRefs newObject(Handle<PacketFsRefs> handle) {
            return new PacketFsRefs(handle);
        }
    };

    private final Recycler.Handle<PacketFsRefs> handle;
    private ByteBuf data;
    private PacketFsTier tier;
    private int count;

    private PacketFsRefs(Recycler.Handle<PacketFsRefs> handle) {
        this.handle = handle;
    }

    private static PacketFsRefs of(PacketFsTier tier, ByteBuf packed) {
        PacketFsRefs r = RECYCLER.get();
        r.data = packed;
        r.tier = tier;
        r.count = packed.readableBytes() / tier.bytes();
        return r;
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
        return of(tier, packed);
    }

    /** Packs {@code refs[offset .. offset + count)} into a new buffer from {@code alloc}. */
    public static PacketFsRefs pack(ByteBufAllocator alloc, PacketFsTier tier, int[] refs, int offset, int count) {
        ByteBuf buf = alloc.buffer(Math.multiplyExact(io.netty.util.internal.ObjectUtil.checkPositiveOrZero(count, "count"), tier.bytes()));
        boolean success = false;
        try {
            PacketFsScalarBitPacker.INSTANCE.pack(new PacketFsBitpackRequest().set(refs, offset, count, tier, buf));
            success = true;
            return of(tier, buf);
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
        return of(tier, content().retainedSlice(content().readerIndex() + from * b, n * b));
    }

    @Override
    public ByteBuf content() {
        ByteBuf c = data;
        if (c == null || c.refCnt() <= 0) {
            throw new IllegalReferenceCountException(c == null ? 0 : c.refCnt());
        }
        return c;
    }

    @Override
    public PacketFsRefs replace(ByteBuf content) {
        return of(tier, content);
    }

    @Override
    public PacketFsRefs copy() {
        return replace(content().copy());
    }

    @Override
    public PacketFsRefs duplicate() {
        return replace(content().duplicate());
    }

    @Override
    public PacketFsRefs retainedDuplicate() {
        return replace(content().retainedDuplicate());
    }

    @Override
    public int refCnt() {
        return data == null ? 0 : data.refCnt();
    }

    @Override
    public PacketFsRefs retain() {
        content().retain();
        return this;
    }

    @Override
    public PacketFsRefs retain(int increment) {
        content().retain(increment);
        return this;
    }

    @Override
    public PacketFsRefs touch() {
        content().touch();
        return this;
    }

    @Override
    public PacketFsRefs touch(Object hint) {
        content().touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return recycleIf(content().release());
    }

    @Override
    public boolean release(int decrement) {
        return recycleIf(content().release(decrement));
    }

    private boolean recycleIf(boolean freed) {
        if (freed) {
            data = null;
            tier = null;
            count = 0;
            handle.recycle(this);
        }
        return freed;
    }

    /** Equal when of the same tier with equal packed bytes. */
    @Override
    public boolean equals(Object o) {
        return o instanceof PacketFsRefs && ((PacketFsRefs) o).tier == tier
                && Objects.equals(((PacketFsRefs) o).data, data);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hashCode(tier) + Objects.hashCode(data);
    }

    @Override
    public String toString() {
        return "PacketFsRefs(" + tier + " x" + count + ')';
    }
}
