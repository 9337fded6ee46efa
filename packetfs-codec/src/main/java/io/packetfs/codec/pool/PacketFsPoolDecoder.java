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

import static io.packetfs.codec.internal.PacketFsConstants.COPY_HISTORY;
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
 * ({@link #decodedLength(PacketFsCopyUnit)}): a body that ends inside a command is {@code TRUNCATED}, a pool copy
 * outside {@code [0, pool size)} or a unit that would decode to more than {@link PacketFsCopyUnit#MAX_OUTPUT} bytes
 * is {@code REF_OUT_OF_POOL}, a copy from the history that this decoder does not hold is {@code
 * HISTORY_UNAVAILABLE}; all are thrown as {@link PacketFsException}, counted in {@link #copyUnitsRejected()}, and
 * nothing is appended. Then literals are copied from the body, extents from the pool and from the history (the last
 * 64 KiB of COPY output, kept in a ring: bulk copies, no allocation per command).
 *
 * <pre>
 *   history  |.......... last 64 KiB of COPY output ..........|   ring, by stream position mod 64 KiB
 *   GEN source odd: distance d           copy from (end - d)    (a copy longer than d repeats)
 *   break (a refused unit, a run, an upstream error): held = 0, later history copies are refused
 * </pre>
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

    /** The last {@value io.packetfs.codec.internal.PacketFsConstants#COPY_HISTORY} bytes of COPY output. */
    private final byte[] ring = new byte[COPY_HISTORY];
    /** Distances below this, in copies longer than them, repeat a pattern of whole periods. */
    private static final int PATTERN_PERIOD = 64;
    /** Literals and pool copies up to this long go into the ring first and out from there: one copy less each. */
    private static final int VIA_RING = 4096;
    /** Staged output is written out once it reaches this (at most VIA_RING more: far below the ring's size). */
    private static final int FLUSH_AT = 8192;
    /** Output bytes at the ring's end not yet written to the output buffers. */
    private int staged;
    private final byte[] pattern = new byte[4096];
    /** Stream position of the next COPY output byte: ring slot {@code histEnd mod 64 KiB}. */
    private long histEnd;
    /** COPY output held since the last break (a refused unit, a run, {@link #resetHistory()}). */
    private long held;

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
        held = 0; // a run's bytes are not history (docs/PROTOCOL.md 8.7)
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
                int n = coder.decode(body, body.readerIndex(), body.writerIndex(), plain, historyHeld());
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
            held = 0; // the sender's later history copies may reach into this unit's output
            throw e;
        }
    }

    /**
     * Forgets the stream's earlier output: a later COPY command that copies from before this point is refused
     * ({@code HISTORY_UNAVAILABLE}) instead of copying bytes that differ from the sender's. Called by the handler for
     * every error reported upstream (a lost window, a bad CRC), and here for every refused unit and every run.
     */
    public void resetHistory() {
        held = 0;
    }

    /** Bytes of earlier COPY output that history copies may use now: at most 64 KiB. */
    int historyHeld() {
        return (int) Math.min(held, COPY_HISTORY);
    }

    /**
     * Appends the bytes of {@code unit} to {@code out}, after checking the whole body; throws
     * {@link PacketFsException} (nothing appended) when it is bad.
     */
    public void decode(PacketFsCopyUnit unit, ByteBuf out) {
        long n = decodedLength(unit);
        try {
            out.ensureWritable((int) n);
        } catch (Throwable t) {
            held = 0; // accepted, never appended: later history copies must not count on its bytes
            throw t;
        }
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
            ByteBuf first;
            try {
                first = nextPiece();
            } catch (Throwable t) {
                held = 0; // accepted, never appended
                throw t;
            }
            copyChecked(body, first);
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
        long poolCursor = readUvarint(body, end);
        long cursor = poolCursor; // a pool offset, or (history) a stream position
        boolean history = false;
        try {
            while (at < end) {
                int t = body.getUnsignedByte(at++);
                int kind = t >>> COPY_KIND_SHIFT;
                long start;
                boolean fromHistory = history;
                if (kind == COPY_KIND_GEN) {
                    int lits = (int) readUvarint(body, end);
                    putLiterals(body, at, lits);
                    at += lits;
                    long source = readUvarint(body, end);
                    fromHistory = (source & 1) != 0;
                    long z = source >>> 1;
                    start = fromHistory ? histEnd - z - 1 : poolCursor + (z >>> 1 ^ -(z & 1));
                } else if (kind == COPY_KIND_SUB || kind == COPY_KIND_INS) {
                    putLiterals(body, at++, 1);
                    start = cursor + (kind == COPY_KIND_SUB ? 1 : 0);
                } else {
                    start = cursor + 1;
                }
                long len = t & COPY_LENGTH_MASK;
                if (len == COPY_LENGTH_EXTENDED) {
                    len += readUvarint(body, end);
                }
                if (len > 0) {
                    if (fromHistory) {
                        copyHistory(start, (int) len);
                    } else {
                        copyRange(start, (int) len);
                    }
                }
                cursor = start + len;
                history = fromHistory;
                if (!fromHistory) {
                    poolCursor = cursor;
                }
            }
            flush();
            if (pieceSink != null) {
                ByteBuf last = this.out;
                this.out = null;
                pieceSink.onPiece(last);
            }
        } catch (Throwable e) {
            staged = 0;
            held = 0; // a piece's allocation failed, or the output was too small: the history lacks bytes now
            if (pieceSink != null && this.out != null) {
                this.out.release(); // not reached for a checked body; never leak a piece
            }
            throw e;
        } finally {
            this.out = null;
        }
    }

    /** Counts the {@code n} bytes just written to {@code o} at {@code from} and keeps them as history. */
    private void wrote(ByteBuf o, int from, int n) {
        bytesOut += n;
        piecesLeft -= n;
        held += n;
        if (n > COPY_HISTORY) {
            from += n - COPY_HISTORY;
            histEnd += n - COPY_HISTORY;
            n = COPY_HISTORY;
        }
        while (n > 0) {
            int r = (int) histEnd & COPY_HISTORY - 1;
            int k = Math.min(n, COPY_HISTORY - r);
            o.getBytes(from, ring, r, k);
            from += k;
            n -= k;
            histEnd += k;
        }
    }

    /**
     * Copies {@code len} bytes of the stream's output from stream position {@code start} (checked: held, and before
     * the output's end). A copy may overlap its own output (a distance below its length repeats the last bytes):
     * in steps that never read a byte not yet written, or, for short distances, from a pattern of whole periods.
     */
    private void copyHistory(long start, int len) {
        int d = (int) (histEnd - start);
        if (d < len && d < PATTERN_PERIOD) {
            copyPattern(start, d, len);
            return;
        }
        while (len > 0) {
            int r = (int) start & COPY_HISTORY - 1;
            int w = (int) histEnd & COPY_HISTORY - 1;
            // never a byte not written yet, no wrap at either end, and no more than the stage holds
            int n = (int) Math.min(Math.min(len, histEnd - start), Math.min(COPY_HISTORY - Math.max(r, w), VIA_RING));
            System.arraycopy(ring, r, ring, w, n);
            staged(n);
            start += n;
            len -= n;
        }
    }

    /** A copy of {@code len} bytes that repeats the last {@code d} (fewer than the length): runs, repeated words. */
    private void copyPattern(long start, int d, int len) {
        byte[] p = pattern;
        int whole = Math.min(p.length / d, (len + d - 1) / d) * d; // whole periods, no more than the copy needs
        for (int i = 0; i < d; i++) {
            p[i] = ring[(int) (start + i) & COPY_HISTORY - 1];
        }
        for (int i = d; i < whole; i++) {
            p[i] = p[i - d];
        }
        int phase = 0;
        flush();
        while (len > 0) {
            ByteBuf o = room();
            int n = Math.min(Math.min(len, whole - phase), o.writableBytes());
            int wi = o.writerIndex();
            o.writeBytes(p, phase, n);
            wrote(o, wi, n);
            phase = (phase + n) % d;
            len -= n;
        }
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
            int r = (int) histEnd & COPY_HISTORY - 1;
            if (k <= VIA_RING && r + k <= COPY_HISTORY) {
                body.getBytes(from, ring, r, k); // short: into the history, out later with its neighbours
                staged(k);
            } else {
                flush();
                o = room();
                k = Math.min(n, o.writableBytes());
                int wi = o.writerIndex();
                o.writeBytes(body, from, k);
                wrote(o, wi, k);
            }
            from += k;
            n -= k;
        }
    }

    /** {@code n} bytes were put at the ring's end: output, to be written out by {@link #flush()}. */
    private void staged(int n) {
        held += n;
        histEnd += n;
        staged += n;
        if (staged >= FLUSH_AT) {
            flush();
        }
    }

    /** Writes the output staged in the ring to the output buffers, in order. */
    private void flush() {
        while (staged > 0) {
            ByteBuf o = room();
            int r = (int) (histEnd - staged) & COPY_HISTORY - 1;
            int k = Math.min(Math.min(staged, COPY_HISTORY - r), o.writableBytes());
            o.writeBytes(ring, r, k);
            staged -= k;
            bytesOut += k;
            piecesLeft -= k;
        }
    }

    private long check(ByteBuf body) {
        int end = body.writerIndex();
        at = body.readerIndex();
        if (at == end) {
            throw new PacketFsException(PacketFsException.Reason.TRUNCATED,
                    "COPY unit has an empty body; it needs at least its base offset (docs/PROTOCOL.md 8.7)");
        }
        long poolCursor = readUvarint(body, end);
        if (poolCursor > poolSize) {
            throw outOfPool("base offset " + poolCursor + " is beyond the pool's " + poolSize + " bytes");
        }
        // history positions here are relative to the unit's first output byte: [-held, 0) came before it
        long cursor = poolCursor;
        boolean history = false;
        long floor = -historyHeld();
        long total = 0;
        while (at < end) {
            int commandAt = at - body.readerIndex();
            int t = body.getUnsignedByte(at++);
            int kind = t >>> COPY_KIND_SHIFT;
            long lits;
            long start;
            boolean fromHistory = history;
            if (kind == COPY_KIND_GEN) {
                lits = readUvarint(body, end);
                if (lits > end - at) {
                    throw truncated(commandAt, lits + " literal bytes, " + (end - at) + " left in the body");
                }
                at += (int) lits;
                long source = readUvarint(body, end);
                fromHistory = (source & 1) != 0;
                long z = source >>> 1;
                if (fromHistory) {
                    if (z >= COPY_HISTORY) {
                        throw historyUnavailable(commandAt, "copies from " + (z + 1) + " bytes back, more than the "
                                + COPY_HISTORY + " a receiver keeps");
                    }
                    start = total + lits - z - 1;
                } else {
                    long delta = z >>> 1 ^ -(z & 1);
                    if (delta > poolSize - poolCursor || delta < -poolCursor) {
                        throw outOfPool("command at body offset " + commandAt + " moves the pool cursor " + poolCursor
                                + " by " + delta + ", outside the pool's " + poolSize + " bytes");
                    }
                    start = poolCursor + delta;
                }
            } else {
                if (kind == COPY_KIND_SUB || kind == COPY_KIND_INS) {
                    if (at >= end) {
                        throw truncated(commandAt, "its literal byte is missing");
                    }
                    at++;
                    lits = 1;
                } else {
                    lits = 0;
                }
                long delta = kind == COPY_KIND_INS ? 0 : 1;
                if (!history && delta > poolSize - cursor) {
                    throw outOfPool("command at body offset " + commandAt + " moves the cursor " + cursor + " by "
                            + delta + ", outside the pool's " + poolSize + " bytes");
                }
                start = cursor + delta;
            }
            long len = t & COPY_LENGTH_MASK;
            if (len == COPY_LENGTH_EXTENDED) {
                long extension = readUvarint(body, end);
                if (extension > COPY_MAX_OUTPUT) { // checked before the sum, which could overflow
                    throw outOfPool("command at body offset " + commandAt + " copies 63 + " + extension
                            + " bytes, more than a unit's " + COPY_MAX_OUTPUT);
                }
                len += extension;
            }
            if (lits > COPY_MAX_OUTPUT - total || len > COPY_MAX_OUTPUT - total - lits) {
                throw outOfPool("COPY unit would decode to more than " + COPY_MAX_OUTPUT
                        + " bytes (the bound of docs/PROTOCOL.md 8.7); command at body offset " + commandAt);
            }
            total += lits;
            if (fromHistory) {
                if (len > 0 && (start >= total || start < Math.max(floor, total - COPY_HISTORY))) {
                    throw historyUnavailable(commandAt, historyProblem(start, total, floor));
                }
            } else if (len > poolSize - start) {
                throw outOfPool("command at body offset " + commandAt + " copies " + len + " bytes from " + start
                        + ", past the pool's end at " + poolSize);
            }
            total += len;
            cursor = start + len;
            history = fromHistory;
            if (!fromHistory) {
                poolCursor = cursor;
            }
        }
        return total;
    }

    /**
     * Why a history copy from unit position {@code start} is refused at unit position {@code total}, with
     * {@code -floor} bytes of earlier output held.
     */
    static String historyProblem(long start, long total, long floor) {
        if (start >= total) {
            return "copies from " + (start - total) + " bytes past the output's end";
        }
        if (start < total - COPY_HISTORY) {
            return "copies from " + (total - start) + " bytes back, more than the " + COPY_HISTORY
                    + " a receiver keeps";
        }
        return "copies from " + (total - start) + " bytes back, but this receiver holds only " + (total - floor)
                + " bytes of the stream's output (a unit before it was lost or refused)";
    }

    static PacketFsException historyUnavailable(int commandAt, String what) {
        return new PacketFsException(PacketFsException.Reason.HISTORY_UNAVAILABLE, "COPY unit: command"
                + (commandAt >= 0 ? " at body offset " + commandAt : "") + " " + what + "; unit dropped");
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
            int r = (int) histEnd & COPY_HISTORY - 1;
            if (n <= VIA_RING && r + n <= COPY_HISTORY) {
                c.limit(c.capacity()); // a bulk copy below may have narrowed it
                c.get(co, ring, r, n); // short: into the history, out later with its neighbours
                staged(n);
            } else {
                flush();
                o = room();
                n = Math.min(Math.min(len, c.capacity() - co), o.writableBytes());
                c.limit(co + n);
                c.position(co);
                int wi = o.writerIndex();
                o.writeBytes(c);
                wrote(o, wi, n);
            }
            off += n;
            len -= n;
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
