package io.packetfs.codec.internal;

import io.netty.buffer.ByteBuf;

/**
 * Writes fields of 1 to 32 bits MSB-first into a {@link ByteBuf}: the first bit written is the most significant bit
 * of the first byte. Reusable and allocation-free: {@link #reset(ByteBuf)} binds a buffer, {@link #flush()} pads
 * the last byte with zero bits and appends it. Bytes reach the buffer 32 bits at a time, at its writer index.
 *
 * <pre>
 *   writeBits(0b10, 2); writeBits(0x0005, 14)   =&gt;   bytes 0x80 0x05
 * </pre>
 */
public final class PacketFsBitWriter {

    private ByteBuf out;
    private long acc;
    private int accBits;
    private long bitsWritten;

    /** Binds {@code out}; bits are appended at its writer index. */
    public PacketFsBitWriter reset(ByteBuf out) {
        this.out = out;
        acc = 0;
        accBits = 0;
        bitsWritten = 0;
        return this;
    }

    /** Appends the low {@code n} bits of {@code value}, most significant first; {@code n} is 1..32. */
    public void writeBits(int value, int n) {
        if (n < 1 || n > 32) {
            throw new IllegalArgumentException("bit count " + n + " (expected 1..32)");
        }
        acc = (acc << n) | (value & (0xFFFFFFFFL >>> (32 - n)));
        accBits += n;
        bitsWritten += n;
        if (accBits >= 32) {
            accBits -= 32;
            out.writeInt((int) (acc >>> accBits));
        }
    }

    /** True when the bits written so far fill whole bytes. */
    public boolean isByteAligned() {
        return (accBits & 7) == 0;
    }

    /** Bits written since {@link #reset(ByteBuf)}. */
    public long bitsWritten() {
        return bitsWritten;
    }

    /** Pads to a byte boundary with zero bits and writes every pending byte. Returns the number of padding bits. */
    public int flush() {
        int pad = (8 - (accBits & 7)) & 7;
        acc <<= pad;
        accBits += pad;
        while (accBits >= 8) {
            accBits -= 8;
            out.writeByte((int) (acc >>> accBits));
        }
        acc = 0;
        bitsWritten += pad;
        return pad;
    }
}
