package io.packetfs.codec.internal;

import io.netty.buffer.ByteBuf;
import io.packetfs.codec.PacketFsException;
import io.packetfs.codec.PacketFsTier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The portable {@link PacketFsBitPacker}. Reference widths are whole bytes (8, 16, 32 bits) and runs start on a
 * byte boundary, so MSB-first bit packing is big-endian byte order here: heap buffers are written through their
 * backing array, other buffers through {@link ByteBuf#setInt} and friends. A range check over the whole batch (one
 * OR per reference) refuses references too wide for their tier before anything is written.
 */
public final class PacketFsScalarBitPacker implements PacketFsBitPacker {

    /** The shared instance; the packer is stateless. */
    public static final PacketFsScalarBitPacker INSTANCE = new PacketFsScalarBitPacker();

    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle SHORT_BE =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

    private PacketFsScalarBitPacker() {
    }

    @Override
    public void pack(PacketFsBitpackRequest r) {
        int[] refs = r.refs;
        int off = r.refOffset;
        int n = r.refCount;
        if (off < 0 || n < 0 || off > refs.length - n) {
            throw new IndexOutOfBoundsException("refs " + off + "+" + n + " of " + refs.length);
        }
        PacketFsTier tier = r.tier;
        if (tier != PacketFsTier.L3) {
            int or = 0;
            for (int i = off, end = off + n; i < end; i++) {
                or |= refs[i];
            }
            if ((or & ~(int) tier.maxRef()) != 0) {
                throw new IllegalArgumentException(outOfTier(refs, off, n, tier));
            }
        }
        ByteBuf out = r.buffer;
        int length = Math.multiplyExact(n, tier.bytes());
        out.ensureWritable(length);
        int w = out.writerIndex();
        if (out.hasArray()) {
            byte[] a = out.array();
            int p = out.arrayOffset() + w;
            switch (tier) {
                case L1:
                    for (int i = 0; i < n; i++) {
                        a[p + i] = (byte) refs[off + i];
                    }
                    break;
                case L2:
                    for (int i = 0; i < n; i++) {
                        SHORT_BE.set(a, p + (i << 1), (short) refs[off + i]);
                    }
                    break;
                default:
                    for (int i = 0; i < n; i++) {
                        INT_BE.set(a, p + (i << 2), refs[off + i]);
                    }
                    break;
            }
        } else {
            switch (tier) {
                case L1:
                    for (int i = 0; i < n; i++) {
                        out.setByte(w + i, refs[off + i]);
                    }
                    break;
                case L2:
                    for (int i = 0; i < n; i++) {
                        out.setShort(w + (i << 1), refs[off + i]);
                    }
                    break;
                default:
                    for (int i = 0; i < n; i++) {
                        out.setInt(w + (i << 2), refs[off + i]);
                    }
                    break;
            }
        }
        out.writerIndex(w + length);
    }

    @Override
    public void unpack(PacketFsBitpackRequest r) {
        int[] refs = r.refs;
        int off = r.refOffset;
        int n = r.refCount;
        if (off < 0 || n < 0 || off > refs.length - n) {
            throw new IndexOutOfBoundsException("refs " + off + "+" + n + " of " + refs.length);
        }
        ByteBuf in = r.buffer;
        PacketFsTier tier = r.tier;
        int length = Math.multiplyExact(n, tier.bytes());
        if (in.readableBytes() < length) {
            throw new PacketFsException(PacketFsException.Reason.TRUNCATED, n + " " + tier + " references need "
                    + length + " bytes, " + in.readableBytes() + " readable");
        }
        int ri = in.readerIndex();
        if (in.hasArray()) {
            byte[] a = in.array();
            int p = in.arrayOffset() + ri;
            switch (tier) {
                case L1:
                    for (int i = 0; i < n; i++) {
                        refs[off + i] = a[p + i] & 0xFF;
                    }
                    break;
                case L2:
                    for (int i = 0; i < n; i++) {
                        refs[off + i] = ((short) SHORT_BE.get(a, p + (i << 1))) & 0xFFFF;
                    }
                    break;
                default:
                    for (int i = 0; i < n; i++) {
                        refs[off + i] = (int) INT_BE.get(a, p + (i << 2));
                    }
                    break;
            }
        } else {
            switch (tier) {
                case L1:
                    for (int i = 0; i < n; i++) {
                        refs[off + i] = in.getUnsignedByte(ri + i);
                    }
                    break;
                case L2:
                    for (int i = 0; i < n; i++) {
                        refs[off + i] = in.getUnsignedShort(ri + (i << 1));
                    }
                    break;
                default:
                    for (int i = 0; i < n; i++) {
                        refs[off + i] = in.getInt(ri + (i << 2));
                    }
                    break;
            }
        }
        in.readerIndex(ri + length);
    }

    private static String outOfTier(int[] refs, int off, int n, PacketFsTier tier) {
        for (int i = off; i < off + n; i++) {
            if ((refs[i] & ~(int) tier.maxRef()) != 0) {
                return "reference " + Integer.toUnsignedString(refs[i]) + " at index " + i + " does not fit tier "
                        + tier + " (max " + tier.maxRef() + "); use a wider tier";
            }
        }
        return "reference does not fit tier " + tier;
    }
}
