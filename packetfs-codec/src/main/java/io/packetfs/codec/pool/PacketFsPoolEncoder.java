package io.packetfs.codec.pool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.internal.ObjectUtil;
import io.packetfs.codec.PacketFsCopyUnit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.packetfs.codec.internal.PacketFsConstants.COPY_KIND_DEL;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_KIND_GEN;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_KIND_INS;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_KIND_SHIFT;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_KIND_SUB;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_LENGTH_EXTENDED;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_MAX_OUTPUT;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_MAX_VARINT_BYTES;

/**
 * Turns bytes into COPY units (docs/PROTOCOL.md 8.7): byte-granular extents of the pool plus literals. Greedy, one
 * pass, in the manner of LZ77 against a fixed dictionary:
 *
 * <pre>
 *   matching   extend the current copy with bulk compares (8+ bytes at a time) against the pool cursor
 *   mismatch   close the copy, then at each following input position p, in this order:
 *     1. near the cursor (at most 8 literals since the copy ended): the pool offsets cursor + 0 .. literals + 2
 *        (a substitution, insertion or deletion resumes here), one 8-byte compare each
 *     2. the pool's anchor table (one probe with the 8 input bytes at p, {@link PacketFsPoolAnchors}), verified
 *        against the pool and extended backwards over the pending literals
 *     3. otherwise in[p] stays a literal; after 128 misses in a row the search skips ahead by an odd step
 *        (misses / 64 | 1, at most 255: odd, so the probes still meet every anchor residue and find pool data
 *        within about 64 steps, backward extension recovering the bytes skipped), so data that is not in the pool
 *        costs one probe per several bytes
 *
 *   input   |..lit..|====== pool[812345, +900) ======|x|====== pool[813246, +97) =====|...
 *   unit    base=812345  GEN(lits 9, delta 0, 900)   SUB(x, 97) ...
 * </pre>
 *
 * Commands go into COPY unit bodies of at most {@code maxBody} bytes (default {@value #DEFAULT_MAX_BODY}, so a unit
 * and a SYNC unit fit a 1,500-byte frame), each unit at most 16 MiB of output; a unit starts with the pool offset of
 * its cursor, so every unit decodes on its own. Units are handed to a {@link PacketFsPoolCopySink}. A copy may span
 * the chunks given to {@link #encode}: the encoder copies input into its own buffer and keeps back fewer than
 * {@code maxBody + 8} bytes (pending literals and the last 7 bytes) that it cannot decide on yet; {@link #flush}
 * emits everything decided, {@link #finish} everything.
 *
 * <p>Reusable after {@link #finish} or {@link #reset}; not thread-safe (one per stream). It allocates nothing per
 * command; per unit one buffer (the body) from the allocator and the unit object.
 */
public final class PacketFsPoolEncoder {

    /** Body bytes per COPY unit by default: a unit (3 + 1,480 bytes) and a SYNC unit fit a 1,500-byte frame. */
    public static final int DEFAULT_MAX_BODY = 1480;
    /** The smallest body limit accepted. */
    public static final int MIN_MAX_BODY = 64;

    /** Input bytes copied and scanned per step. */
    static final int SLICE = 256 * 1024;
    /** Bytes a candidate must match before a copy starts. */
    static final int VERIFY = 8;
    /** Bytes compared word by word before a bulk compare takes over. */
    static final int SHORT_COMPARE = 256;
    /** Bytes a candidate near the cursor must match (a 4-byte copy costs less than 4 literals). */
    static final int VERIFY_NEAR = 4;
    /** Literals after a copy during which offsets near the cursor are tried. */
    static final int LOCAL_LITERALS = 8;
    /** Net deletions tried near the cursor: offsets cursor + 0 .. literals + LOCAL_REACH. */
    static final int LOCAL_REACH = 2;
    /** Misses in a row before the search starts skipping: step = 1 + misses >>> SKIP_SHIFT. */
    static final int SKIP_SHIFT = 6;
    /** The longest skip (odd; probes, not bytes, cost: see docs/PROTOCOL.md 8.5). */
    static final int MAX_STEP = 255;
    /** Body bytes a command needs besides its literals: token, count, delta, length. */
    static final int COMMAND_ROOM = 1 + 3 + COPY_MAX_VARINT_BYTES + 4 + 3;
    /** Body bytes a literal-only command needs besides its literals: token, count (up to 3 bytes), delta 0. */
    static final int LITERAL_COMMAND_ROOM = 1 + 3 + 1;
    /** Below this room, pending literals go into a fresh unit instead of a sliver of this one. */
    static final int MIN_LITERAL_ROOM = 32;

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);

    private final PacketFsPool pool;
    private final PacketFsPoolAnchors anchors;
    private final ByteBufAllocator alloc;
    /** Chunk duplicates for absolute reads (limit = capacity, little-endian). */
    private final ByteBuffer[] chunks;
    /** Chunk duplicates whose position and limit frame each bulk compare. */
    private final ByteBuffer[] cmpChunks;
    private final long poolSize;
    private final int maxBody;

    private final byte[] buf;
    private final ByteBuffer bufView;
    private int pos;
    private int end;

    private final byte[] body;
    private int bodyLen;
    private long unitOut;

    private long cur;
    private boolean anchored;
    private boolean matching;
    private int tokenAt;
    private long mStart;
    private long mLen;
    private int litStart;
    private int misses;

    private long bytesIn;
    private long bytesCopied;
    private long literalBytes;
    private long commandsOut;
    private long unitsOut;
    private long bodyBytesOut;

    /** An encoder for {@code pool}, allocating unit bodies from the default allocator. */
    public PacketFsPoolEncoder(PacketFsPool pool) {
        this(pool, ByteBufAllocator.DEFAULT, DEFAULT_MAX_BODY);
    }

    /** An encoder for {@code pool} with bodies from {@code alloc} of at most {@code maxBody} bytes (64..65,535). */
    public PacketFsPoolEncoder(PacketFsPool pool, ByteBufAllocator alloc, int maxBody) {
        this.pool = ObjectUtil.checkNotNull(pool, "pool");
        this.alloc = ObjectUtil.checkNotNull(alloc, "alloc");
        this.maxBody = ObjectUtil.checkInRange(maxBody, MIN_MAX_BODY, PacketFsCopyUnit.MAX_BODY, "maxBody");
        this.anchors = pool.anchors();
        this.chunks = pool.chunkDuplicates();
        for (ByteBuffer c : chunks) {
            c.order(ByteOrder.LITTLE_ENDIAN);
        }
        this.cmpChunks = pool.chunkDuplicates();
        this.poolSize = pool.size();
        this.buf = new byte[SLICE + maxBody + 2 * MAX_STEP + VERIFY];
        this.bufView = ByteBuffer.wrap(buf);
        this.body = new byte[maxBody];
    }

    /** The pool. */
    public PacketFsPool pool() {
        return pool;
    }

    /**
     * Encodes every readable byte of {@code chunk} (advancing its reader index; the caller keeps ownership), handing
     * each completed unit to {@code sink}. The open copy, pending literals and the last bytes stay for a later call,
     * {@link #flush} or {@link #finish}.
     */
    public void encode(ByteBuf chunk, PacketFsPoolCopySink sink) {
        int n = chunk.readableBytes();
        bytesIn += n;
        while (n > 0) {
            compact();
            int k = Math.min(n, buf.length - end);
            chunk.readBytes(buf, end, k);
            end += k;
            n -= k;
            scan(sink, false);
        }
    }

    /** Encodes everything left and hands the last unit to {@code sink}; the encoder is then ready for a new stream. */
    public void finish(PacketFsPoolCopySink sink) {
        scan(sink, true);
        if (matching) {
            closeMatch();
            litStart = pos;
        }
        emitPendingLiterals(sink, end);
        emitUnit(sink);
        reset();
    }

    /**
     * Hands every decided byte to {@code sink} now: the open copy is closed (the next one resumes at the cursor) and
     * pending literals are written; only the last few bytes (fewer than 8) stay.
     */
    public void flush(PacketFsPoolCopySink sink) {
        if (matching) {
            closeMatch();
            litStart = pos;
        }
        emitPendingLiterals(sink, pos);
        emitUnit(sink);
    }

    /** Drops the buffered input and the open unit (nothing is handed on); the cursor returns to 0. */
    public void reset() {
        pos = 0;
        end = 0;
        bodyLen = 0;
        unitOut = 0;
        cur = 0;
        anchored = false;
        matching = false;
        litStart = 0;
        misses = 0;
    }

    /** Input bytes taken so far. */
    public long bytesIn() {
        return bytesIn;
    }

    /** Input bytes sent as pool copies so far. */
    public long bytesCopied() {
        return bytesCopied;
    }

    /** Input bytes sent as literals so far. */
    public long literalBytes() {
        return literalBytes;
    }

    /** Commands written so far. */
    public long commandsOut() {
        return commandsOut;
    }

    /** COPY units handed to sinks so far. */
    public long unitsOut() {
        return unitsOut;
    }

    /** Body bytes of those units. */
    public long bodyBytesOut() {
        return bodyBytesOut;
    }

    private void compact() {
        int from = matching ? pos : litStart;
        if (from > 0) {
            System.arraycopy(buf, from, buf, 0, end - from);
            end -= from;
            pos -= from;
            litStart -= from;
        }
    }

    private void scan(PacketFsPoolCopySink sink, boolean last) {
        final byte[] b = buf;
        final int e = end;
        int p = pos;
        for (;;) {
            if (matching) {
                if (p >= e) {
                    break;
                }
                long pp = mStart + mLen;
                long poolLeft = poolSize - pp;
                long outLeft = COPY_MAX_OUTPUT - unitOut - mLen;
                if (poolLeft == 0 || outLeft == 0) {
                    closeMatch();
                    litStart = p;
                    if (poolLeft != 0) {
                        p = startMatch(sink, p, cur); // the unit is full: the copy goes on in the next one
                    }
                    continue;
                }
                int ci = (int) (pp >>> PacketFsPool.CHUNK_SHIFT);
                int o = (int) (pp & PacketFsPool.CHUNK_MASK);
                ByteBuffer rc = chunks[ci];
                int k = (int) Math.min(Math.min(e - p, rc.capacity() - o), Math.min(poolLeft, outLeft));
                // short matches (edited data): 8-byte words; long ones (data in the pool): the vectorized mismatch
                int m = 0;
                boolean differs = false;
                for (int kw = Math.min(k, SHORT_COMPARE) - 7; m < kw; m += 8) {
                    long x = (long) LONG_LE.get(b, p + m) ^ rc.getLong(o + m);
                    if (x != 0) {
                        m += Long.numberOfTrailingZeros(x) >>> 3;
                        differs = true;
                        break;
                    }
                }
                if (!differs && m < k) {
                    ByteBuffer c = cmpChunks[ci];
                    c.limit(o + k);
                    c.position(o + m);
                    ByteBuffer in = bufView;
                    in.limit(p + k);
                    in.position(p + m);
                    int r = in.mismatch(c);
                    m = r < 0 ? k : m + r;
                }
                p += m;
                mLen += m;
                if (m < k) {
                    closeMatch();
                    litStart = p;
                }
                continue;
            }
            if (e - p < VERIFY) {
                if (last) {
                    p = e; // the last few bytes are literals
                }
                break;
            }
            int lits = p - litStart;
            int room = literalRoom();
            if (lits > 0 && lits >= room) {
                if (room < MIN_LITERAL_ROOM && bodyLen != 0) {
                    emitUnit(sink);
                } else {
                    emitLiterals(sink, Math.min(lits, room));
                    anchored = false;
                }
                continue;
            }
            long w = (long) LONG_LE.get(b, p);
            long a = -1;
            if (anchored && lits <= LOCAL_LITERALS) {
                a = nearCursor((int) w, lits);
                if (a < 0 && lits < LOCAL_LITERALS) {
                    p++; // an edit near the cursor: no table probe yet (backward extension recovers these bytes)
                    continue;
                }
            }
            if (a < 0) {
                long c = anchors.find(w);
                if (c >= 0 && c <= poolSize - VERIFY && PacketFsPoolAnchors.readLong(chunks, c) == w) {
                    a = c;
                }
            }
            if (a >= 0) {
                p = startMatch(sink, p, a);
                continue;
            }
            misses++;
            // odd steps: the probed positions run through every residue modulo the anchor stride
            p = Math.min(e, p + (Math.min(misses >>> SKIP_SHIFT, MAX_STEP) | 1));
        }
        pos = p;
    }

    /**
     * A pool offset near the cursor whose {@value #VERIFY_NEAR} bytes equal {@code w} (little-endian), or -1: cursor
     * + 0 .. lits + {@value #LOCAL_REACH} (cursor + 0 is skipped right after a mismatch, where it just failed).
     */
    private long nearCursor(int w, int lits) {
        long limit = poolSize - VERIFY_NEAR;
        for (int j = lits == 0 ? 1 : 0, stop = lits + LOCAL_REACH; j <= stop; j++) {
            long a = cur + j;
            if (a > limit) {
                break;
            }
            ByteBuffer c = chunks[(int) (a >>> PacketFsPool.CHUNK_SHIFT)];
            int o = (int) (a & PacketFsPool.CHUNK_MASK);
            int v = o <= c.capacity() - VERIFY_NEAR ? c.getInt(o) : (int) PacketFsPoolAnchors.readLong(chunks, a);
            if (v == w) {
                return a;
            }
        }
        return -1;
    }

    /** Starts a copy of pool offset {@code a} at input {@code p}, first extended backwards; returns its input start. */
    private int startMatch(PacketFsPoolCopySink sink, int p, long a) {
        final byte[] b = buf;
        while (p > litStart && a > 0 && b[p - 1] == poolByte(a - 1)) {
            p--;
            a--;
        }
        int lits = p - litStart;
        long delta = a - cur;
        int kind;
        if (lits == 1) {
            kind = delta == 1 ? COPY_KIND_SUB : delta == 0 ? COPY_KIND_INS : COPY_KIND_GEN;
        } else {
            kind = lits == 0 && delta == 1 ? COPY_KIND_DEL : COPY_KIND_GEN;
        }
        ensureRoom(sink, lits + COMMAND_ROOM, lits + 1L);
        byte[] out = body;
        int at = bodyLen;
        tokenAt = at;
        out[at++] = (byte) (kind << COPY_KIND_SHIFT);
        if (kind == COPY_KIND_GEN) {
            at = putUvarint(out, at, lits);
            System.arraycopy(b, litStart, out, at, lits);
            at += lits;
            at = putUvarint(out, at, delta << 1 ^ delta >> 63);
        } else if (kind != COPY_KIND_DEL) {
            out[at++] = b[litStart];
        }
        bodyLen = at;
        commandsOut++;
        unitOut += lits;
        literalBytes += lits;
        matching = true;
        mStart = a;
        mLen = 0;
        misses = 0;
        return p;
    }

    private void closeMatch() {
        long len = mLen;
        if (len < COPY_LENGTH_EXTENDED) {
            body[tokenAt] |= (byte) len;
        } else {
            body[tokenAt] |= (byte) COPY_LENGTH_EXTENDED;
            bodyLen = putUvarint(body, bodyLen, len - COPY_LENGTH_EXTENDED);
        }
        unitOut += len;
        bytesCopied += len;
        cur = mStart + len;
        matching = false;
        anchored = true;
    }

    /** Writes the literals {@code [litStart, upTo)} as literal-only commands. */
    private void emitPendingLiterals(PacketFsPoolCopySink sink, int upTo) {
        while (upTo > litStart) {
            int room = literalRoom();
            if (room < MIN_LITERAL_ROOM && bodyLen != 0) {
                emitUnit(sink);
            } else {
                emitLiterals(sink, Math.min(upTo - litStart, room));
            }
        }
    }

    /**
     * Literals a literal-only command can still carry in the open unit (or a fresh one): the body less what is
     * written, or less the unit's start offset, and less the command's own token, count and delta. Reserving a whole
     * COPY command's room here (as before) left about 20 bytes of every literal unit empty: 1.4 % of the wire.
     */
    private int literalRoom() {
        return (bodyLen == 0 ? maxBody - uvarintLength(cur) : maxBody - bodyLen) - LITERAL_COMMAND_ROOM;
    }

    static int uvarintLength(long v) {
        int n = 1;
        while ((v >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    /** A literal-only command: {@code n} literals from {@code litStart}, delta 0, copy length 0. */
    private void emitLiterals(PacketFsPoolCopySink sink, int n) {
        ensureRoom(sink, n + LITERAL_COMMAND_ROOM, n);
        byte[] out = body;
        int at = bodyLen;
        out[at++] = (byte) (COPY_KIND_GEN << COPY_KIND_SHIFT);
        at = putUvarint(out, at, n);
        System.arraycopy(buf, litStart, out, at, n);
        at += n;
        out[at++] = 0;
        bodyLen = at;
        commandsOut++;
        unitOut += n;
        literalBytes += n;
        litStart += n;
    }

    /** Makes room for a command; opens a unit (writing its base, the cursor) when none is open. */
    private void ensureRoom(PacketFsPoolCopySink sink, int bodyBytes, long outBytes) {
        if (bodyLen != 0 && (bodyLen + bodyBytes > maxBody || unitOut + outBytes > COPY_MAX_OUTPUT)) {
            emitUnit(sink);
        }
        if (bodyLen == 0) {
            bodyLen = putUvarint(body, 0, cur);
        }
    }

    private void emitUnit(PacketFsPoolCopySink sink) {
        int n = bodyLen;
        if (n == 0) {
            return;
        }
        bodyLen = 0;
        unitOut = 0;
        ByteBuf packed = alloc.buffer(n, n);
        packed.writeBytes(body, 0, n);
        unitsOut++;
        bodyBytesOut += n;
        sink.onCopy(new PacketFsCopyUnit(packed));
    }

    private byte poolByte(long a) {
        return chunks[(int) (a >>> PacketFsPool.CHUNK_SHIFT)].get((int) (a & PacketFsPool.CHUNK_MASK));
    }

    /** Writes {@code v} (unsigned) as LEB128 at {@code at}; returns the index after it. */
    static int putUvarint(byte[] out, int at, long v) {
        while ((v & ~0x7FL) != 0) {
            out[at++] = (byte) (v | 0x80);
            v >>>= 7;
        }
        out[at++] = (byte) v;
        return at;
    }
}
