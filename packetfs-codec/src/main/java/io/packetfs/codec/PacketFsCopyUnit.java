package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.packetfs.codec.internal.PacketFsConstants;

/**
 * A COPY unit (opcode {@code 0xF8}): pool extents and literals, byte-granular, in one length-prefixed control unit
 * (docs/PROTOCOL.md 8.7). The content is the unit's body exactly as it travels: a uvarint base offset into the pool,
 * then commands {@code (literals, offset delta, copy length)}. Unlike other control units it is a member of its
 * window: its body bytes feed the window CRC and it counts as {@link #windowWeight(int) min(body length, W)}
 * references.
 *
 * <pre>
 *   +--------+--------+--------+-----------+---------+---------+-----
 *   |  0xF8  |  body length    | base (uv) | command | command | ...
 *   +--------+--------+--------+-----------+---------+---------+-----
 * </pre>
 *
 * Made by {@link io.packetfs.codec.pool.PacketFsPoolEncoder}, decoded by
 * {@link io.packetfs.codec.pool.PacketFsPoolDecoder}. Reference counted: whoever holds it releases it; decoded units
 * are slices of the received frame.
 */
public final class PacketFsCopyUnit extends DefaultByteBufHolder {

    /** The opcode of a plain COPY unit. */
    public static final int OPCODE = PacketFsConstants.OPCODE_COPY;
    /** The opcode of a coded COPY unit: the same commands, entropy coded (docs/PROTOCOL.md 8.8). */
    public static final int OPCODE_CODED = PacketFsConstants.OPCODE_CODED_COPY;
    /** Bytes a COPY unit decodes to at most (16 MiB); a body that says more is refused. */
    public static final int MAX_OUTPUT = PacketFsConstants.COPY_MAX_OUTPUT;
    /** Body bytes at most (the control unit's 16-bit length). */
    public static final int MAX_BODY = 0xFFFF;

    private final boolean coded;

    /** Wraps a plain {@code body} (ownership passes to the unit); IllegalArgumentException (body released) if too long. */
    public PacketFsCopyUnit(ByteBuf body) {
        this(body, false);
    }

    /**
     * Wraps {@code body}, coded ({@code 0xF9}) or plain ({@code 0xF8}); ownership passes to the unit;
     * IllegalArgumentException (body released) if too long.
     */
    public PacketFsCopyUnit(ByteBuf body, boolean coded) {
        super(body);
        this.coded = coded;
        if (body.readableBytes() > MAX_BODY) {
            int n = body.readableBytes();
            body.release();
            throw new IllegalArgumentException("COPY body of " + n + " bytes exceeds " + MAX_BODY);
        }
    }

    /** Whether the body is entropy coded (opcode {@code 0xF9}, docs/PROTOCOL.md 8.8). */
    public boolean coded() {
        return coded;
    }

    /** The unit's opcode: {@link #OPCODE} or {@link #OPCODE_CODED}. */
    public int opcode() {
        return coded ? OPCODE_CODED : OPCODE;
    }

    /** Body length in bytes. */
    public int bodyLength() {
        return content().readableBytes();
    }

    /** References this unit counts as in a window of {@code windowSize}: {@code min(body length, windowSize)}. */
    public int windowWeight(int windowSize) {
        return Math.min(content().readableBytes(), windowSize);
    }

    @Override
    public PacketFsCopyUnit replace(ByteBuf content) {
        return new PacketFsCopyUnit(content, coded);
    }

    @Override
    public PacketFsCopyUnit retain() {
        super.retain();
        return this;
    }

    @Override
    public PacketFsCopyUnit retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public PacketFsCopyUnit touch() {
        super.touch();
        return this;
    }

    @Override
    public PacketFsCopyUnit touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "PacketFsCopyUnit(" + (coded ? "coded, " : "") + content().readableBytes() + " B)";
    }
}
