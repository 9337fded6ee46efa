package io.packetfs.codec.internal;

import io.netty.buffer.ByteBuf;
import io.packetfs.codec.PacketFsException;

/**
 * Reads fields of 1 to 32 bits MSB-first from a region of a {@link ByteBuf}, the inverse of
 * {@link PacketFsBitWriter}. Reads are absolute (the buffer's indexes do not move) and bounded by the region: asking
 * for more bits than remain throws {@link PacketFsException} with reason {@link PacketFsException.Reason#TRUNCATED}
 * and never reads outside the region. Reusable and allocation-free.
 */
public final class PacketFsBitReader {

    private ByteBuf in;
    private int index;
    private int end;
    private long acc;
    private int accBits;

    /** Binds the region {@code [index, index + length)} of {@code in}. */
    public PacketFsBitReader reset(ByteBuf in, int index, int length) {
        if (index < 0 || length < 0 || index > in.capacity() - length) {
            throw new IndexOutOfBoundsException("region " + index + "+" + length + " of capacity " + in.capacity());
        }
        this.in = in;
        this.index = index;
        this.end = index + length;
        acc = 0;
        accBits = 0;
        return this;
    }

    /** Bits left in the region. */
    public long bitsRemaining() {
        return (long) (end - index) * 8 + accBits;
    }

    /** True when the next bit starts a byte. */
    public boolean isByteAligned() {
        return (accBits & 7) == 0;
    }

    /** The absolute index of the next whole byte (valid when {@link #isByteAligned()}). */
    public int byteIndex() {
        return index - (accBits >>> 3);
    }

    /** Reads {@code n} bits (1..32) as an unsigned value in the low bits of the result. */
    public int readBits(int n) {
        if (n < 1 || n > 32) {
            throw new IllegalArgumentException("bit count " + n + " (expected 1..32)");
        }
        if (bitsRemaining() < n) {
            throw new PacketFsException(PacketFsException.Reason.TRUNCATED,
                    "need " + n + " bits, " + bitsRemaining() + " remain");
        }
        while (accBits < n) {
            acc = (acc << 8) | (in.getByte(index++) & 0xFF);
            accBits += 8;
        }
        accBits -= n;
        return (int) ((acc >>> accBits) & (0xFFFFFFFFL >>> (32 - n)));
    }

    /** Skips {@code n} whole bytes; the reader must be byte aligned. */
    public void skipBytes(int n) {
        if (!isByteAligned()) {
            throw new IllegalStateException("skipBytes needs a byte-aligned reader");
        }
        if ((long) n * 8 > bitsRemaining()) {
            throw new PacketFsException(PacketFsException.Reason.TRUNCATED,
                    "need " + n + " bytes, " + (bitsRemaining() >>> 3) + " remain");
        }
        int fromAcc = Math.min(n, accBits >>> 3);
        accBits -= fromAcc * 8;
        index += n - fromAcc;
    }
}
