package io.packetfs.codec.reliability;

import io.netty.buffer.ByteBuf;

import static io.packetfs.codec.internal.PacketFsConstants.HEADER_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.NACK_HEADER_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.NACK_RANGE_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.OPCODE_NACK;
import static io.packetfs.codec.internal.PacketFsConstants.OPCODE_STATUS;
import static io.packetfs.codec.internal.PacketFsConstants.RELIABLE_TRAILER_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.STATUS_BODY_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.TLV_HEADER_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.TLV_LENGTH_OFFSET;

/**
 * The two units of a feedback frame (docs/PROTOCOL.md 9.2), read in place by a flyweight over a unit's body and
 * written by the static methods; every field at a named offset from the start of the body, big-endian (Netty's
 * {@code getInt} / {@code getUnsignedShort}), after the control unit header (opcode u8, body length u16):
 *
 * <pre>
 *  STATUS 0xF4, body 16 bytes
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Session ID acknowledged                    |  SESSION_OFFSET 0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         Next Sequence                         |  STATUS_NEXT_OFFSET 4
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Window (frames)                        |  STATUS_WINDOW_OFFSET 8
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Received Up To                         |  STATUS_RECEIVED_UP_TO_OFFSET 12
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *  NACK 0xF2, body 6 + 6n bytes
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                          Session ID                           |  SESSION_OFFSET 0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        n (range count)        |  range 0: First Sequence ...  |  NACK_RANGE_COUNT_OFFSET 4
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  ... First Sequence           |             Count             |  range r at 6 + 6r: First, Count at +4
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * One instance per handler, rewrapped for every unit: nothing here allocates. Plain fields: it lives on one event
 * loop.
 */
final class FeedbackUnits {

    /** Both units start with a Session ID (u32). */
    static final int SESSION_OFFSET = 0;
    /** STATUS: Next Sequence (u32), every data frame below it was delivered. */
    static final int STATUS_NEXT_OFFSET = 4;
    /** STATUS: Window in frames (u32, unsigned). */
    static final int STATUS_WINDOW_OFFSET = 8;
    /** STATUS: Received Up To (u32), one more than the highest Sequence Number received. */
    static final int STATUS_RECEIVED_UP_TO_OFFSET = 12;
    /** NACK: the number of ranges that follow (u16). */
    static final int NACK_RANGE_COUNT_OFFSET = 4;
    /** NACK range: First Sequence (u32), from the start of the range. */
    static final int RANGE_FIRST_OFFSET = 0;
    /** NACK range: Count (u16), from the start of the range. */
    static final int RANGE_COUNT_OFFSET = 4;
    /** The largest Count of one NACK range. */
    static final int MAX_RANGE_COUNT = 0xFFFF;

    private ByteBuf buf;
    private int body;
    private int length;

    /** Reads the unit whose body of {@code length} bytes starts at {@code body} in {@code buf}. */
    FeedbackUnits wrap(ByteBuf buf, int body, int length) {
        this.buf = buf;
        this.body = body;
        this.length = length;
        return this;
    }

    /** Whether the body is long enough for a STATUS (longer bodies are read, the rest ignored). */
    boolean isStatusLongEnough() {
        return length >= STATUS_BODY_LENGTH;
    }

    /** Whether the body holds a NACK header and every range it announces. */
    boolean isNackLongEnough() {
        return length >= NACK_HEADER_LENGTH && NACK_HEADER_LENGTH + nackRanges() * NACK_RANGE_LENGTH <= length;
    }

    /** The Session ID (STATUS: the one acknowledged; NACK: the one asked). */
    int session() {
        return buf.getInt(body + SESSION_OFFSET);
    }

    int statusNext() {
        return buf.getInt(body + STATUS_NEXT_OFFSET);
    }

    long statusWindow() {
        return buf.getUnsignedInt(body + STATUS_WINDOW_OFFSET);
    }

    int statusReceivedUpTo() {
        return buf.getInt(body + STATUS_RECEIVED_UP_TO_OFFSET);
    }

    int nackRanges() {
        return buf.getUnsignedShort(body + NACK_RANGE_COUNT_OFFSET);
    }

    /** First Sequence of range {@code r}. */
    int rangeFirst(int r) {
        return buf.getInt(rangeAt(r) + RANGE_FIRST_OFFSET);
    }

    /** Count of range {@code r}. */
    int rangeCount(int r) {
        return buf.getUnsignedShort(rangeAt(r) + RANGE_COUNT_OFFSET);
    }

    private int rangeAt(int r) {
        return body + NACK_HEADER_LENGTH + r * NACK_RANGE_LENGTH;
    }

    // ---- writing, at the writer index ----

    /** The bytes a feedback frame may take: header, a NACK of {@code maxRanges} ranges, a STATUS, the trailer. */
    static int maxFrameLength(int maxRanges) {
        return HEADER_LENGTH + TLV_HEADER_LENGTH + NACK_HEADER_LENGTH + maxRanges * NACK_RANGE_LENGTH
                + TLV_HEADER_LENGTH + STATUS_BODY_LENGTH + RELIABLE_TRAILER_LENGTH;
    }

    /** Writes a whole STATUS unit. */
    static void writeStatus(ByteBuf out, int session, int next, int window, int receivedUpTo) {
        out.writeByte(OPCODE_STATUS).writeShort(STATUS_BODY_LENGTH);
        out.writeInt(session).writeInt(next).writeInt(window).writeInt(receivedUpTo);
    }

    /**
     * Writes a NACK unit's header and body header for {@code session}, with body length and range count still 0;
     * returns where the unit starts, for {@link #finishNack}.
     */
    static int startNack(ByteBuf out, int session) {
        int start = out.writerIndex();
        out.writeByte(OPCODE_NACK);
        out.writeShort(0); // body length, patched in finishNack
        out.writeInt(session);
        out.writeShort(0); // range count, patched in finishNack
        return start;
    }

    /** Appends a range to the NACK unit being written. */
    static void writeRange(ByteBuf out, int first, int count) {
        out.writeInt(first).writeShort(count);
    }

    /** Patches the body length and range count of the NACK unit at {@code start}, which ends at the writer index. */
    static void finishNack(ByteBuf out, int start, int ranges) {
        int body = start + TLV_HEADER_LENGTH;
        out.setShort(start + TLV_LENGTH_OFFSET, out.writerIndex() - body);
        out.setShort(body + NACK_RANGE_COUNT_OFFSET, ranges);
    }
}
