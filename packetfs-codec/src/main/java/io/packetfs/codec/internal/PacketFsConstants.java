package io.packetfs.codec.internal;

/**
 * Wire constants of PacketFS version 1, shared by every encoder and decoder. The document that defines them is
 * {@code docs/PROTOCOL.md}; a change here is a change of the wire and moves that document in the same commit.
 *
 * <p>Public only so that the frame codec ({@code io.packetfs.codec}) and the pool coder
 * ({@code io.packetfs.codec.pool}) share one definition; not API (see the package documentation).
 */
public final class PacketFsConstants {

    // ---- frame header: 8 bytes, big-endian ----
    public static final int VERSION_FLAGS_OFFSET = 0;
    public static final int WINDOW_POW2_OFFSET = 1;
    public static final int FRAME_LENGTH_OFFSET = 2;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int HEADER_LENGTH = 8;

    public static final int VERSION = 1;
    public static final int VERSION_SHIFT = 4;
    public static final int FLAGS_MASK = 0b0000_1111;
    /** Flag C: every SYNC unit of the frame carries a CRC16 field. */
    public static final int FLAG_CRC = 0b0000_1000;
    public static final int FLAGS_RESERVED_MASK = 0b0000_0111;
    /** Flag R: a reliable-delivery frame with a Session ID and CRC32C trailer (section 9). */
    public static final int FLAG_RELIABLE = 0b0000_0100;
    /** Flag F (only with R): a feedback frame of NACK / STATUS units, outside the data sequence (section 9). */
    public static final int FLAG_FEEDBACK = 0b0000_0010;

    public static final int MAX_FRAME_LENGTH = 0xFFFF;

    // ---- unit header: the first two bits of every unit ----
    public static final int TIER_CODE_SHIFT = 6;
    public static final int TIER_CODE_CONTROL = 0b11;

    // ---- run unit: 2-bit tier code, 14-bit (count - 1), then count references ----
    public static final int RUN_HEADER_LENGTH = 2;
    public static final int RUN_COUNT_BITS = 14;
    public static final int RUN_COUNT_MASK = 0x3FFF;
    public static final int MAX_RUN_COUNT = RUN_COUNT_MASK + 1;

    // ---- control units: one opcode byte 0b11xx_xxxx ----
    public static final int OPCODE_SYNC = 0xF0;
    public static final int OPCODE_SYNC_ACK = 0xF1;
    public static final int OPCODE_NACK = 0xF2;
    public static final int OPCODE_HELLO = 0xF3;
    public static final int OPCODE_STATUS = 0xF4;
    public static final int OPCODE_FILE = 0xF5;
    public static final int OPCODE_END = 0xF6;
    public static final int OPCODE_CLOSE = 0xF7;
    /** COPY: pool extents and literals (docs/PROTOCOL.md 8.7); a member of its window like a run. */
    public static final int OPCODE_COPY = 0xF8;
    /** Coded COPY: the commands of a COPY body, entropy coded (docs/PROTOCOL.md 8.8); a member of its window. */
    public static final int OPCODE_CODED_COPY = 0xF9;

    public static final int SYNC_WINDOW_ID_OFFSET = 1;
    public static final int SYNC_CRC_OFFSET = 3;
    public static final int SYNC_LENGTH_NO_CRC = 3;
    public static final int SYNC_LENGTH_CRC = 5;

    /** Every control unit but SYNC: opcode, u16 body length, body. */
    public static final int TLV_LENGTH_OFFSET = 1;
    public static final int TLV_HEADER_LENGTH = 3;

    // ---- reliable delivery (section 9): trailer of Session ID (u32) and CRC32C (u32) ----
    public static final int RELIABLE_TRAILER_LENGTH = 8;
    public static final int RELIABLE_SESSION_FROM_END = 8;
    public static final int RELIABLE_CRC_FROM_END = 4;
    /** STATUS body: session acknowledged (u32), next sequence (u32), window in frames (u32), received up to (u32). */
    public static final int STATUS_BODY_LENGTH = 16;
    /** NACK body: session (u32), range count (u16), then ranges of first sequence (u32) and count (u16). */
    public static final int NACK_HEADER_LENGTH = 6;
    public static final int NACK_RANGE_LENGTH = 6;

    // ---- COPY unit body (docs/PROTOCOL.md 8.7): uvarint base, then commands ----
    /** Command token: kind in bits 7-6, length code in bits 5-0. */
    public static final int COPY_KIND_SHIFT = 6;
    public static final int COPY_KIND_SUB = 0b00;
    public static final int COPY_KIND_INS = 0b01;
    public static final int COPY_KIND_DEL = 0b10;
    public static final int COPY_KIND_GEN = 0b11;
    public static final int COPY_LENGTH_MASK = 0b0011_1111;
    /** Length code 63: the copy length is 63 plus a uvarint that follows. */
    public static final int COPY_LENGTH_EXTENDED = 63;
    /** A COPY unit decodes to at most this many bytes (16 MiB). */
    public static final int COPY_MAX_OUTPUT = 1 << 24;
    /** A uvarint of a COPY body has at most 9 bytes (63 bits). */
    public static final int COPY_MAX_VARINT_BYTES = 9;
    /** Bytes of the stream's output a COPY command may copy from again: a history copy's distance is at most this. */
    public static final int COPY_HISTORY = 1 << 16;

    // ---- windows ----
    public static final int DEFAULT_WINDOW_POW2 = 16;
    public static final int MIN_WINDOW_POW2 = 0;
    public static final int MAX_WINDOW_POW2 = 24;
    public static final int WINDOW_ID_MASK = 0xFFFF;

    private PacketFsConstants() {
    }
}
