package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.packetfs.codec.internal.PacketFsConstants;

/**
 * A length-prefixed control unit (every control opcode but SYNC): the opcode and its body. The decoder passes on
 * the opcodes this version assigns (SYNC_ACK, NACK, HELLO, STATUS, FILE, END, CLOSE) as instances of this class,
 * with the body as a slice of the frame; it skips and counts the unassigned ones. The encoder writes any instance
 * whose opcode is a control opcode other than SYNC.
 *
 * <pre>
 *   +--------+--------+--------+-------------------+
 *   | opcode |  body length    |  body ...         |
 *   +--------+--------+--------+-------------------+
 * </pre>
 */
public final class PacketFsControlUnit extends DefaultByteBufHolder {

    /** SYNC_ACK: the receiver verified a window. Body: window id (u16). */
    public static final int SYNC_ACK = PacketFsConstants.OPCODE_SYNC_ACK;
    /** NACK: selective repair request, in feedback frames of reliable delivery only (docs/PROTOCOL.md 9.2). */
    public static final int NACK = PacketFsConstants.OPCODE_NACK;
    /** HELLO: pool handshake (docs/PROTOCOL.md 7). */
    public static final int HELLO = PacketFsConstants.OPCODE_HELLO;
    /** STATUS: acknowledgement and receive window, in feedback frames of reliable delivery only (9.2). */
    public static final int STATUS = PacketFsConstants.OPCODE_STATUS;
    /** FILE: a file transfer begins. */
    public static final int FILE = PacketFsConstants.OPCODE_FILE;
    /** END: the sender has sent every reference of the file. */
    public static final int END = PacketFsConstants.OPCODE_END;
    /** CLOSE: the transfer is over, with a result code and a message. */
    public static final int CLOSE = PacketFsConstants.OPCODE_CLOSE;

    private final int opcode;

    /** A unit with {@code opcode} and {@code body} (ownership of the body passes to the unit). */
    public PacketFsControlUnit(int opcode, ByteBuf body) {
        super(body);
        if ((opcode & 0xC0) != 0xC0 || opcode == PacketFsConstants.OPCODE_SYNC || opcode > 0xFF) {
            body.release();
            throw new IllegalArgumentException(String.format(
                    "0x%X is not a length-prefixed control opcode (0xC0..0xFF except 0xF0)", opcode));
        }
        if (body.readableBytes() > 0xFFFF) {
            int n = body.readableBytes();
            body.release();
            throw new IllegalArgumentException("control unit body of " + n + " bytes exceeds 65,535");
        }
        this.opcode = opcode;
    }

    /** Whether this version assigns {@code opcode} (the decoder passes those on). */
    public static boolean isAssigned(int opcode) {
        return opcode >= PacketFsConstants.OPCODE_SYNC_ACK && opcode <= PacketFsConstants.OPCODE_CLOSE;
    }

    /** The opcode. */
    public int opcode() {
        return opcode;
    }

    @Override
    public PacketFsControlUnit replace(ByteBuf content) {
        return new PacketFsControlUnit(opcode, content);
    }

    @Override
    public PacketFsControlUnit retain() {
        super.retain();
        return this;
    }

    @Override
    public PacketFsControlUnit retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public PacketFsControlUnit touch() {
        super.touch();
        return this;
    }

    @Override
    public PacketFsControlUnit touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return String.format("PacketFsControlUnit(0x%02X, %d B)", opcode, content().readableBytes());
    }
}
