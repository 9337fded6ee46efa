package io.packetfs.codec.pool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.internal.ObjectUtil;
import io.packetfs.codec.PacketFsCopyUnit;
import io.packetfs.codec.PacketFsException;
import io.packetfs.codec.PacketFsRefs;
import io.packetfs.codec.PacketFsTier;

import java.nio.ByteBuffer;

import static io.packetfs.codec.internal.PacketFsConstants.COPY_KIND_GEN;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_KIND_INS;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_KIND_SHIFT;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_KIND_SUB;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_LENGTH_EXTENDED;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_LENGTH_MASK;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_MAX_OUTPUT;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_MAX_VARINT_BYTES;

/**
 * Turns runs of references back into the pool's bytes: an L1 reference becomes one byte of the keyed table, an
 * L2 or L3 reference a copy of its unit from the pool into the output buffer (a bulk copy from the mapping, no
 * allocation per reference).
 *
 * <pre>
 *   run  [L3 812 813]          -&gt;  out += pool[812 * 1024, 814 * 1024)
 *   run  [L2 7]                -&gt;  out += pool[7 * 64, 8 * 64)
 *   run  [L1 0x3A 0x05]        -&gt;  out += table[0x3A], table[0x05]
 * </pre>
 *
 * A {@link PacketFsCopyUnit} (docs/PROTOCOL.md 8.7) is parsed and checked whole first
 * ({@link #decodedLength(PacketFsCopyUnit)}): a body that ends inside a command is {@code TRUNCATED}, a copy outside {@code [0, pool size)} or a unit that would
 * decode to more than {@link PacketFsCopyUnit#MAX_OUTPUT} bytes is {@code REF_OUT_OF_POOL}; both are thrown as
 * {@link PacketFsException}, counted in {@link #copyUnitsRejected()}, and nothing is appended. Then literals are
 * copied from the body and extents from the pool (bulk copies, no allocation per command).
 *
 * <p>A run with a reference at or beyond the pool's unit count of its tier is checked before anything is copied: the
 * decoder counts its bad references ({@link #refsRejected()}), appends nothing for the run and throws
 * {@link PacketFsPoolException}; it never reads outside the pool. The caller keeps ownership of the run.
 * Not thread-safe (it holds buffer duplicates of the pool); one per stream.
 */
public final class PacketFsPoolDecoder {

    private static final int L1_BLOCK = 16 * 1024;

    private final PacketFsPool pool;
    private final ByteBuffer[] chunks;
    private final byte[] l1Table;
    private final int w3;
    private final int w2;
    private final long l3Units;
    private final int l2Units;
    private final long poolSize;
    private int at;
    private long copyUnitsRejected;
    private final byte[] l1In = new byte[L1_BLOCK];
    private final byte[] l1Out = new byte[L1_BLOCK];

    /** Made, with the buffer it expands into, when the first coded unit arrives (it builds the literal model). */
    private PacketFsCopyCoder coder;
    private byte[] plain;
    private ByteBuf plainBody;
    private ByteBuf checkedBody;
    private long codedUnitsDecoded;

    private long refsRejected;
    private long runsRejected;
    private long bytesOut;
    /** The output of the COPY unit being decoded; in pieces: the piece being filled. */
    private ByteBuf out;
    private PieceSink pieceSink;
    private ByteBufAllocator pieceAlloc;
    private int pieceBytes;
    private long piecesLeft;

    /** A decoder for {@code pool}. */
    public PacketFsPoolDecoder(PacketFsPool pool) {
        this.pool = ObjectUtil.checkNotNull(pool, "pool");
        PacketFsPoolGeometry g = pool.geometry();
        this.chunks = pool.chunkDuplicates();
        this.l1Table = g.l1TableShared();
        this.w3 = g.l3UnitBytes();
        this.w2 = g.l2UnitBytes();
        this.l3Units = pool.l3Units();
        this.l2Units = pool.l2Units();
        this.poolSize = pool.size();
    }

    /** The pool. */
    public PacketFsPool pool() {
        return pool;
    }

    /** Bytes that {@code run} decodes to: its count times the bytes one reference of its tier names. */
    public long decodedLength(PacketFsRefs run) {
        switch (run.tier()) {
            case L1:
                return run.count();
            case L2:
                return (long) run.count() * w2;
            default:
                return (long) run.count() * w3;
        }
    }

    /**
     * Appends the bytes of {@code run} to {@code out}. Throws {@link PacketFsPoolException} (nothing appended) when
     * a reference lies outside the pool.
     */
    public void decode(PacketFsRefs run, ByteBuf out) {
        ByteBuf in = run.content();
        int ri = in.readerIndex();
        int n = run.count();
        switch (run.tier()) {
            case L1:
                decodeL1(in, ri, n, out);
                break;
            case L2:
                decodeL2(in, ri, n, out);
                break;
            default:
                decodeL3(in, ri, n, out);
                break;
        }
    }

    /**
     * Checks the whole body of {@code unit} and returns the bytes it decodes to (at most
     * {@link PacketFsCopyUnit#MAX_OUTPUT}); throws {@link PacketFsException} (counted) when the body is bad.
     */
    public long decodedLength(PacketFsCopyUnit unit) {
        try {
            ByteBuf body = unit.content();
            if (unit.coded()) {
                if (coder == null) {
                    coder = new PacketFsCopyCoder(pool, false);
                    plain = new byte[PacketFsCopyCoder.MAX_PLAIN];
                    plainBody = Unpooled.wrappedBuffer(plain);
                }
                checkedBody = null;
                int n = coder.decode(body, body.readerIndex(), body.writerIndex(), plain);
                plainBody.setIndex(0, n);
                checkedBody = plainBody;
                codedUnitsDecoded++;
                return coder.outputLength(); // the expansion checked what check() would
            }
            long n = check(body);
            checkedBody = body;
            return n;
        } catch (PacketFsException e) {
            copyUnitsRejected++;
            throw e;
        }
    }

    /**
     * Appends the bytes of {@code unit} to {@code out}, after checking the whole body; throws
     * {@link PacketFsException} (nothing appended) when it is bad.
     */
    public void decode(PacketFsCopyUnit unit, ByteBuf out) {
        long n = decodedLength(unit);
        out.ensureWritable((int) n);
        copyChecked(checkedBody, out);
    }

    /** Receives the buffers of a COPY unit decoded in pieces, in order; takes ownership of each. */
    @FunctionalInterface
    public interface PieceSink {
        /** One full piece of the unit's output. */
        void onPiece(ByteBuf piece);
    }

    /**
     * Decodes {@code unit} into buffers of at most {@code pieceBytes} bytes from {@code alloc}, handed to
     * {@code sink} in order, after checking the whole body: a bad unit throws {@link PacketFsException} and nothing
     * is handed over. Keeps a large unit (up to {@link PacketFsCopyUnit#MAX_OUTPUT}) out of one large buffer, which
     * an allocator cannot pool.
     */
    public void decode(PacketFsCopyUnit unit, int pieceBytes, ByteBufAllocator alloc, PieceSink sink) {
        ObjectUtil.checkPositive(pieceBytes, "pieceBytes");
        long n = decodedLength(unit);
        copyChecked(checkedBody, n, pieceBytes, alloc, sink);
    }

    /**
     * The plain body (8.7) that the last {@link #decodedLength(PacketFsCopyUnit)} accepted: the unit's own content,
     * or the expansion of a coded unit, valid until the next unit is checked.
     */
    ByteBuf checkedBody(PacketFsCopyUnit unit) {
        return unit.coded() ? checkedBody : unit.content();
    }

    /** {@link #decode(PacketFsCopyUnit, int, ByteBufAllocator, PieceSink)} of a body already checked. */
    void copyChecked(ByteBuf body, long n, int pieceBytes, ByteBufAllocator alloc, PieceSink sink) {
        if (n == 0) {
            return;
        }
        piecesLeft = n;
        this.pieceBytes = pieceBytes;
        pieceAlloc = alloc;
        pieceSink = sink;
        try {
            copyChecked(body, nextPiece());
        } finally {
            pieceSink = null;
            pieceAlloc = null;
        }
    }

    /** Appends the bytes of a body that {@link #decodedLength(PacketFsCopyUnit)} accepted. */
    void copyChecked(ByteBuf body, ByteBuf out) {
        int end = body.writerIndex();
        this.out = out;
        at = body.readerIndex();
        long cursor = readUvarint(body, end);
        try {
            while (at < end) {
                int t = body.getUnsignedByte(at++);
                int kind = t >>> COPY_KIND_SHIFT;
                long delta;
                if (kind == COPY_KIND_GEN) {
                    int lits = (int) readUvarint(body, end);
                    putLiterals(body, at, lits);
                    at += lits;
                    long z = readUvarint(body, end);
                    delta = z >>> 1 ^ -(z & 1);
                } else if (kind == COPY_KIND_SUB || kind == COPY_KIND_INS) {
                    putLiterals(body, at++, 1);
                    delta = kind == COPY_KIND_SUB ? 1 : 0;
                } else {
                    delta = 1;
                }
                long len = t & COPY_LENGTH_MASK;
                if (len == COPY_LENGTH_EXTENDED) {
                    len += readUvarint(body, end);
                }
                long start = cursor + delta;
                if (len > 0) {
                    copyRange(start, (int) len);
                }
                cursor = start + len;
            }
            if (pieceSink != null) {
                ByteBuf last = this.out;
                this.out = null;
                pieceSink.onPiece(last);
            }
        } catch (Throwable e) {
            if (pieceSink != null && this.out != null) {
                this.out.release(); // not reached for a checked body; never leak a piece
            }
            throw e;
        } finally {
            this.out = null;
        }
    }

    private void wrote(int n) {
        bytesOut += n;
        piecesLeft -= n;
    }

    private ByteBuf nextPiece() {
        int n = (int) Math.min(piecesLeft, pieceBytes);
        return pieceAlloc.buffer(n, n);
    }

    /**
     * Room in the current output: at least one byte, handing a full piece on first. A whole output was made
     * writable for the unit before it began ({@link #decode(PacketFsCopyUnit, ByteBuf)}, or sized exactly by the
     * handler), so the same bounded copies serve both forms.
     */
    private ByteBuf room() {
        ByteBuf o = out;
        if (!o.isWritable()) {
            if (pieceSink == null) {
                throw new IllegalStateException("the output of a checked COPY unit is full: " + o);
            }
            out = null;
            pieceSink.onPiece(o);
            o = nextPiece();
            out = o;
        }
        return o;
    }

    private void putLiterals(ByteBuf body, int from, int n) {
        while (n > 0) {
            ByteBuf o = room();
            int k = Math.min(n, o.writableBytes());
            o.writeBytes(body, from, k);
            from += k;
            n -= k;
            wrote(k);
        }
    }

    private long check(ByteBuf body) {
        int end = body.writerIndex();
        at = body.readerIndex();
        if (at == end) {
            throw new PacketFsException(PacketFsException.Reason.TRUNCATED,
                    "COPY unit has an empty body; it needs at least its base offset (docs/PROTOCOL.md 8.7)");
        }
        long cursor = readUvarint(body, end);
        if (cursor > poolSize) {
            throw outOfPool("base offset " + cursor + " is beyond the pool's " + poolSize + " bytes");
        }
        long total = 0;
        while (at < end) {
            int commandAt = at - body.readerIndex();
            int t = body.getUnsignedByte(at++);
            int kind = t >>> COPY_KIND_SHIFT;
            long lits;
            long delta;
            if (kind == COPY_KIND_GEN) {
                lits = readUvarint(body, end);
                if (lits > end - at) {
                    throw truncated(commandAt, lits + " literal bytes, " + (end - at) + " left in the body");
                }
                at += (int) lits;
                long z = readUvarint(body, end);
                delta = z >>> 1 ^ -(z & 1);
            } else if (kind == COPY_KIND_SUB || kind == COPY_KIND_INS) {
                if (at >= end) {
                    throw truncated(commandAt, "its literal byte is missing");
                }
                at++;
                lits = 1;
                delta = kind == COPY_KIND_SUB ? 1 : 0;
            } else {
                lits = 0;
                delta = 1;
            }
            long len = t & COPY_LENGTH_MASK;
            if (len == COPY_LENGTH_EXTENDED) {
                long extension = readUvarint(body, end);
                if (extension > poolSize) { // checked before the sum, which could overflow
                    throw outOfPool("command at body offset " + commandAt + " copies 63 + " + extension
                            + " bytes, more than the pool's " + poolSize);
                }
                len += extension;
            }
            if (delta > poolSize - cursor || delta < -cursor) {
                throw outOfPool("command at body offset " + commandAt + " moves the cursor " + cursor + " by "
                        + delta + ", outside the pool's " + poolSize + " bytes");
            }
            long start = cursor + delta;
            if (len > poolSize - start) {
                throw outOfPool("command at body offset " + commandAt + " copies " + len + " bytes from " + start
                        + ", past the pool's end at " + poolSize);
            }
            if (lits > COPY_MAX_OUTPUT - total || len > COPY_MAX_OUTPUT - total - lits) {
                throw outOfPool("COPY unit would decode to more than " + COPY_MAX_OUTPUT
                        + " bytes (the bound of docs/PROTOCOL.md 8.7); command at body offset " + commandAt);
            }
            total += lits + len;
            cursor = start + len;
        }
        return total;
    }

    private long readUvarint(ByteBuf body, int end) {
        long v = 0;
        for (int shift = 0, i = 0; i < COPY_MAX_VARINT_BYTES; i++, shift += 7) {
            if (at >= end) {
                throw truncated(-1, "a varint runs past the end of the body");
            }
            int b = body.getByte(at++);
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw truncated(-1, "a varint is longer than " + COPY_MAX_VARINT_BYTES + " bytes");
    }

    private static PacketFsException truncated(int commandAt, String what) {
        return new PacketFsException(PacketFsException.Reason.TRUNCATED, "COPY unit body is cut short"
                + (commandAt >= 0 ? " at the command at body offset " + commandAt : "") + ": " + what
                + "; unit dropped");
    }

    private static PacketFsException outOfPool(String what) {
        return new PacketFsException(PacketFsException.Reason.REF_OUT_OF_POOL, "COPY unit: " + what
                + "; unit dropped (do both peers hold the same pool?)");
    }

    private void copyRange(long off, int len) {
        while (len > 0) {
            ByteBuf o = room();
            ByteBuffer c = chunks[(int) (off >>> PacketFsPool.CHUNK_SHIFT)];
            int co = (int) (off & PacketFsPool.CHUNK_MASK);
            int n = Math.min(Math.min(len, c.capacity() - co), o.writableBytes());
            c.limit(co + n);
            c.position(co);
            o.writeBytes(c);
            off += n;
            len -= n;
            wrote(n);
        }
    }

    private void decodeL1(ByteBuf in, int ri, int n, ByteBuf out) {
        out.ensureWritable(n);
        byte[] src = l1In;
        byte[] dst = l1Out;
        byte[] table = l1Table;
        for (int done = 0; done < n; ) {
            int k = Math.min(n - done, L1_BLOCK);
            in.getBytes(ri + done, src, 0, k);
            for (int i = 0; i < k; i++) {
                dst[i] = table[src[i] & 0xFF];
            }
            out.writeBytes(dst, 0, k);
            done += k;
        }
        bytesOut += n;
    }

    private void decodeL2(ByteBuf in, int ri, int n, ByteBuf out) {
        int bad = 0;
        int first = -1;
        for (int i = 0; i < n; i++) {
            int r = in.getUnsignedShort(ri + 2 * i);
            if (r >= l2Units) {
                if (bad++ == 0) {
                    first = r;
                }
            }
        }
        if (bad != 0) {
            reject(PacketFsTier.L2, first, l2Units, bad);
        }
        out.ensureWritable(n * w2);
        for (int i = 0; i < n; i++) {
            copyUnit((long) in.getUnsignedShort(ri + 2 * i) * w2, w2, out);
        }
        bytesOut += (long) n * w2;
    }

    private void decodeL3(ByteBuf in, int ri, int n, ByteBuf out) {
        int bad = 0;
        long first = -1;
        for (int i = 0; i < n; i++) {
            long r = in.getUnsignedInt(ri + 4 * i);
            if (r >= l3Units) {
                if (bad++ == 0) {
                    first = r;
                }
            }
        }
        if (bad != 0) {
            reject(PacketFsTier.L3, first, l3Units, bad);
        }
        out.ensureWritable(Math.multiplyExact(n, w3));
        for (int i = 0; i < n; i++) {
            copyUnit(in.getUnsignedInt(ri + 4 * i) * w3, w3, out);
        }
        bytesOut += (long) n * w3;
    }

    private void copyUnit(long off, int len, ByteBuf out) {
        ByteBuffer c = chunks[(int) (off >>> PacketFsPool.CHUNK_SHIFT)];
        int o = (int) (off & PacketFsPool.CHUNK_MASK);
        c.limit(o + len);
        c.position(o);
        out.writeBytes(c);
    }

    private void reject(PacketFsTier tier, long first, long limit, int bad) {
        refsRejected += bad;
        runsRejected++;
        throw new PacketFsPoolException(tier, first, limit, bad);
    }

    /** References rejected because they lie outside the pool. */
    public long refsRejected() {
        return refsRejected;
    }

    /** Runs dropped because they held a reference outside the pool. */
    public long runsRejected() {
        return runsRejected;
    }

    /** COPY units dropped because their body was bad. */
    public long copyUnitsRejected() {
        return copyUnitsRejected;
    }

    /** Coded COPY units (0xF9) expanded so far. */
    public long codedUnitsDecoded() {
        return codedUnitsDecoded;
    }

    /** Bytes appended so far. */
    public long bytesOut() {
        return bytesOut;
    }
}
