package io.packetfs.transfer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.packetfs.codec.PacketFsControlUnit;
import io.packetfs.codec.PacketFsException;
import io.packetfs.codec.pool.PacketFsPool;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds and parses the bodies of the file-transfer control units of docs/PROTOCOL.md section 7: HELLO, FILE,
 * SYNC_ACK, END and CLOSE. Parsers check every length and throw {@link PacketFsException} (reason TRUNCATED) on a
 * body that is too short; they never read past the body.
 */
public final class PacketFsTransferUnits {

    /** Session layer version carried in HELLO. */
    public static final int SESSION_VERSION = 1;
    /** HELLO role: the side that sends the file. */
    public static final int ROLE_SENDER = 0;
    /** HELLO role: the side that receives the file. */
    public static final int ROLE_RECEIVER = 1;

    /** CLOSE code: the file arrived and verified. */
    public static final int CLOSE_OK = 0;
    /** CLOSE code: the peers hold different pools. */
    public static final int CLOSE_POOL_MISMATCH = 1;
    /** CLOSE code: data was lost or corrupted (CRC, window, SHA-256, reference outside the pool). */
    public static final int CLOSE_INTEGRITY = 2;
    /** CLOSE code: the peer broke the session protocol. */
    public static final int CLOSE_PROTOCOL = 3;
    /** CLOSE code: a local I/O error (disk full, permissions). */
    public static final int CLOSE_IO = 4;
    /** CLOSE code: the side gave up (interrupted, timed out). */
    public static final int CLOSE_ABORTED = 5;

    private static final int FINGERPRINT_LENGTH = 32;
    private static final int MAX_NAME_BYTES = 1024;

    // Field offsets of the bodies (docs/PROTOCOL.md 7), from the first body byte.
    /** HELLO: u8 session version. */
    static final int HELLO_VERSION = 0;
    /** HELLO: u8 role. */
    static final int HELLO_ROLE = 1;
    /** HELLO: u16 reserved (0). */
    static final int HELLO_RESERVED = 2;
    /** HELLO: the 32-byte pool fingerprint. */
    static final int HELLO_FINGERPRINT = 4;
    /** HELLO: u64 pool size. */
    static final int HELLO_POOL_SIZE = HELLO_FINGERPRINT + FINGERPRINT_LENGTH;
    /** HELLO: the pool geometry, to the end of the body. */
    static final int HELLO_GEOMETRY = HELLO_POOL_SIZE + 8;
    /** FILE: u64 file size. */
    static final int FILE_SIZE = 0;
    /** FILE: u16 name length. */
    static final int FILE_NAME_LENGTH = 8;
    /** FILE: the UTF-8 name. */
    static final int FILE_NAME = 10;
    /** SYNC_ACK: u16 window id; the body's length. */
    static final int SYNC_ACK_WINDOW = 0;
    static final int SYNC_ACK_LENGTH = 2;
    /** END: u64 file bytes sent. */
    static final int END_BYTES = 0;
    /** END: u64 references sent. */
    static final int END_REFS = 8;
    /** END: the 32-byte SHA-256; the body's length follows it. */
    static final int END_SHA256 = 16;
    static final int END_LENGTH = END_SHA256 + 32;
    /** CLOSE: u8 code. */
    static final int CLOSE_CODE = 0;
    /** CLOSE: the UTF-8 message, to the end of the body. */
    static final int CLOSE_MESSAGE = 1;

    private PacketFsTransferUnits() {
    }

    /** HELLO body. */
    public record Hello(int version, int role, byte[] fingerprint, long poolSize, byte[] geometry) {
        /** Whether {@code other} names the same pool. */
        public boolean samePool(Hello other) {
            return Arrays.equals(fingerprint, other.fingerprint) && poolSize == other.poolSize;
        }
    }

    /** FILE body. */
    public record FileInfo(long size, String name) {
    }

    /** END body. */
    public record End(long bytes, long refs, byte[] sha256) {
    }

    /** CLOSE body. */
    public record Close(int code, String message) {
    }

    /**
     * HELLO: u8 version, u8 role, u16 reserved, 32-byte pool fingerprint, u64 pool size, then the pool geometry in
     * its binary form (the rest of the body).
     */
    public static PacketFsControlUnit hello(ByteBufAllocator alloc, int role, byte[] fingerprint, long poolSize,
                                            byte[] geometry) {
        if (fingerprint.length != FINGERPRINT_LENGTH) {
            throw new IllegalArgumentException("fingerprint of " + fingerprint.length + " bytes (expected 32)");
        }
        ByteBuf b = alloc.buffer(HELLO_GEOMETRY + geometry.length);
        b.writeByte(SESSION_VERSION).writeByte(role).writeShort(0).writeBytes(fingerprint).writeLong(poolSize)
                .writeBytes(geometry);
        return new PacketFsControlUnit(PacketFsControlUnit.HELLO, b);
    }

    /** HELLO for {@code pool}: its fingerprint, size and geometry. */
    public static PacketFsControlUnit hello(ByteBufAllocator alloc, int role, PacketFsPool pool) {
        ByteBuf g = alloc.heapBuffer();
        try {
            pool.geometry().writeTo(g);
            return hello(alloc, role, pool.fingerprint(), pool.size(), ByteBufUtil.getBytes(g));
        } finally {
            g.release();
        }
    }

    /** Parses a HELLO body. */
    public static Hello parseHello(ByteBuf body) {
        int i = body.readerIndex();
        need(body, HELLO_GEOMETRY, "HELLO");
        byte[] fp = new byte[FINGERPRINT_LENGTH];
        body.getBytes(i + HELLO_FINGERPRINT, fp);
        int geometryAt = i + HELLO_GEOMETRY;
        byte[] geometry = new byte[body.writerIndex() - geometryAt];
        body.getBytes(geometryAt, geometry);
        return new Hello(body.getUnsignedByte(i + HELLO_VERSION), body.getUnsignedByte(i + HELLO_ROLE), fp,
                body.getLong(i + HELLO_POOL_SIZE), geometry);
    }

    /** FILE: u64 size, u16 name length, UTF-8 name (at most 1,024 bytes). */
    public static PacketFsControlUnit file(ByteBufAllocator alloc, long size, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length > MAX_NAME_BYTES) {
            n = Arrays.copyOf(n, MAX_NAME_BYTES);
        }
        ByteBuf b = alloc.buffer(FILE_NAME + n.length);
        b.writeLong(size).writeShort(n.length).writeBytes(n);
        return new PacketFsControlUnit(PacketFsControlUnit.FILE, b);
    }

    /** Parses a FILE body. */
    public static FileInfo parseFile(ByteBuf body) {
        int i = body.readerIndex();
        need(body, FILE_NAME, "FILE");
        int nameLength = body.getUnsignedShort(i + FILE_NAME_LENGTH);
        need(body, FILE_NAME + nameLength, "FILE");
        return new FileInfo(body.getLong(i + FILE_SIZE), body.toString(i + FILE_NAME, nameLength,
                StandardCharsets.UTF_8));
    }

    /** SYNC_ACK: u16 window id. */
    public static PacketFsControlUnit syncAck(ByteBufAllocator alloc, int windowId) {
        return new PacketFsControlUnit(PacketFsControlUnit.SYNC_ACK, alloc.buffer(SYNC_ACK_LENGTH)
                .writeShort(windowId));
    }

    /** Parses a SYNC_ACK body: the window id. */
    public static int parseSyncAck(ByteBuf body) {
        need(body, SYNC_ACK_LENGTH, "SYNC_ACK");
        return body.getUnsignedShort(body.readerIndex() + SYNC_ACK_WINDOW);
    }

    /** END: u64 file bytes sent, u64 references sent, 32-byte SHA-256 of the file. */
    public static PacketFsControlUnit end(ByteBufAllocator alloc, long bytes, long refs, byte[] sha256) {
        if (sha256.length != 32) {
            throw new IllegalArgumentException("SHA-256 of " + sha256.length + " bytes (expected 32)");
        }
        return new PacketFsControlUnit(PacketFsControlUnit.END, alloc.buffer(END_LENGTH).writeLong(bytes)
                .writeLong(refs).writeBytes(sha256));
    }

    /** Parses an END body. */
    public static End parseEnd(ByteBuf body) {
        need(body, END_LENGTH, "END");
        int i = body.readerIndex();
        byte[] sha = new byte[32];
        body.getBytes(i + END_SHA256, sha);
        return new End(body.getLong(i + END_BYTES), body.getLong(i + END_REFS), sha);
    }

    /** CLOSE: u8 code, UTF-8 message (the rest of the body, at most 1,024 bytes). */
    public static PacketFsControlUnit close(ByteBufAllocator alloc, int code, String message) {
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        if (m.length > MAX_NAME_BYTES) {
            m = Arrays.copyOf(m, MAX_NAME_BYTES);
        }
        return new PacketFsControlUnit(PacketFsControlUnit.CLOSE, alloc.buffer(CLOSE_MESSAGE + m.length)
                .writeByte(code).writeBytes(m));
    }

    /** Parses a CLOSE body. */
    public static Close parseClose(ByteBuf body) {
        need(body, CLOSE_MESSAGE, "CLOSE");
        int i = body.readerIndex();
        return new Close(body.getUnsignedByte(i + CLOSE_CODE), body.toString(i + CLOSE_MESSAGE,
                body.readableBytes() - CLOSE_MESSAGE, StandardCharsets.UTF_8));
    }

    private static void need(ByteBuf body, int n, String unit) {
        if (body.readableBytes() < n) {
            throw new PacketFsException(PacketFsException.Reason.TRUNCATED, unit + " body of "
                    + body.readableBytes() + " bytes, at least " + n + " expected");
        }
    }
}
