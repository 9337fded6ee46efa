package io.packetfs.codec.pool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.internal.ObjectUtil;
import io.packetfs.codec.PacketFsCopyUnit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static io.packetfs.codec.internal.PacketFsConstants.COPY_HISTORY;
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
 * pass, in the manner of LZ77 against a fixed dictionary, with repeat offsets in the manner of zstd's:
 *
 * <pre>
 *   matching   extend the current copy with bulk compares (8+ bytes at a time) against the pool cursor
 *   mismatch   close the copy, then at each following input position p, the candidates:
 *     1. near the cursor (at most 8 literals since the copy ended): the pool offsets cursor + 0 .. literals + 2
 *        (a substitution, insertion or deletion resumes here), one 4-byte compare each
 *     2. when 1 found none for 8 literals, or the copy did not end near here, or at every 8th edit near the
 *        cursor after copies shorter than 256 bytes, also: the shifts of the last 4 copies (pool offset - input
 *        offset; p + shift, one 8-byte compare each) and the pool's anchor table (one bucket of up to 4 offsets
 *        for the 8 input bytes at p, {@link PacketFsPoolAnchors}); otherwise a candidate from 1 is taken at once.
 *        Each candidate is measured forward (up to 256 bytes) and scored by that length less its delta's bytes;
 *        the best starts the copy, extended backwards over the pending literals (a table candidate must score 4
 *        or more, so that a short far copy pays for its command). Content the pool holds twice (a file and a
 *        look-alike) stays with the source that goes on furthest.
 *     3. lazy: a far copy (from 2, not an edit near the cursor) shorter than 64 bytes is weighed against the best
 *        candidates of the next 15 positions, each extended backwards and charged a byte per literal it leaves;
 *        the copy that ends furthest wins (content that the pool holds in many places keeps only 4 of them per
 *        bucket, and an 8-byte stride meets a long copy's anchors at one position in 8)
 *     4. otherwise in[p] stays a literal; after 128 misses in a row the search skips ahead by an odd step
 *        (misses / 64 | 1, at most 255: odd, so the probes still meet every anchor residue and find pool data
 *        within about 64 steps, backward extension recovering the bytes skipped), so data that is not in the pool
 *        costs one probe per several bytes
 *
 *   input   |..lit..|====== pool[812345, +900) ======|x|====== pool[813246, +97) =====|...
 *   unit    base=812345  GEN(lits 9, delta 0, 900)   SUB(x, 97) ...
 *
 *   history the last 64 KiB of input stay in the buffer; a 6-byte hash of recent positions (every probed one,
 *           every 4th of a copy) gives one more candidate per probe: a copy from the stream's own output, named
 *           by its distance (docs/PROTOCOL.md 8.7); after one, the probes near the cursor try the history, then
 *           the pool where it would go on
 * </pre>
 *
 * Commands go into COPY unit bodies of at most {@code maxBody} bytes (default {@value #DEFAULT_MAX_BODY}, so a unit
 * and a SYNC unit fit a 1,500-byte frame), each unit at most 16 MiB of output; a unit starts with the pool offset of
 * its cursor, so every unit decodes on its own. Units are handed to a {@link PacketFsPoolCopySink}. A copy may span
 * the chunks given to {@link #encode}: the encoder copies input into its own buffer and keeps back fewer than
 * {@code maxBody + 272} bytes (pending literals and the last 271 bytes, which a choice between candidates may need
 * to measure) that it cannot decide on yet; {@link #flush} decides and emits all but the last 7, {@link #finish}
 * everything.
 *
 * <p>Coded units (docs/PROTOCOL.md 8.8, the default for bodies of 256 bytes or more): each command is weighed as it
 * is written ({@link PacketFsCopyCoder}), a unit holds as many commands as fit {@code maxBody} coded bytes (its plain
 * body may be up to 8 times longer), and it travels coded ({@code 0xF9}) unless the plain body is not larger.
 *
 * <p>Reusable after {@link #finish} or {@link #reset}; not thread-safe (one per stream). It allocates nothing per
 * command; per unit one buffer (the body) from the allocator and the unit object. Coding keeps about 650 KB of
 * scratch per encoder (the symbols of a unit, its stream, its stored literals); history copies 320 KiB (the 64 KiB of
 * input kept and the 256 KiB index).
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
    /** Shifts of recent copies that a probe tries before the anchor table. */
    static final int REPEATS = 4;
    /** How far a probe measures each candidate forward to choose the longest. */
    static final int CANDIDATE_REACH = 256;
    /** A far copy shorter than this makes the encoder look for a longer one at the next positions. */
    static final int LAZY_LENGTH = 64;
    /** Positions after p that a lazy look tries (two anchor strides of a small pool). */
    static final int LAZY_STEPS = 16;
    /** Near-cursor edits after short copies between two probes of the table. */
    static final int EDITS_PER_PROBE = 8;
    /**
     * Bodies below this stay plain: a coded unit's fixed bytes (mode, plain length, the 4-byte rANS state) and the
     * room it keeps for the command it may not yet have weighed cost more than coding saves in a small body.
     */
    public static final int MIN_CODED_BODY = 256;
    /** Plain body bytes a coded unit may stand for, per byte of its limit. */
    static final int PLAIN_PER_BODY = 8;
    /**
     * Body bytes a coded unit's literal command leaves besides its literals: a lone command (the first of a unit,
     * after the copy that starts with it moved it there) then always fits maxBody coded: 6 header and state bytes,
     * a base of up to 8, literals at 8 bits at most (stored), and the rest of the command.
     */
    static final int CODED_LITERAL_SLACK = 6 + 8 + 18;
    /** Bytes a far copy must cover beyond the bytes of its delta to be worth its command. */
    static final int FAR_COPY_MARGIN = 4;
    /**
     * Where history copies live among the encoder's copy sources: {@code HIST + p} is the input byte at stream position
     * {@code p} (pool offsets are below it), so that cursors, shifts and candidates work alike for both.
     */
    static final long HIST = 1L << 62;
    /** Slots of the history index (2^16, 256 KiB): the latest stream position of each hash of 6 input bytes. */
    static final int HIST_BITS = 16;
    /** Every how many bytes of a copy its positions go into the history index (literals: every position probed). */
    static final int HIST_STRIDE = 4;
    /** Bytes a history copy must cover beyond the bytes of its distance (a distance codes cheaper than a delta). */
    static final int HIST_COPY_MARGIN = 3;
    /** Bytes a history candidate must match: shorter than a pool candidate's, its distance costs less. */
    static final int HIST_VERIFY = 6;
    /** The bytes of an 8-byte little-endian word that the history index hashes and a history candidate verifies. */
    static final long HIST_MASK = (1L << 8 * HIST_VERIFY) - 1;

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
    /** Input offset (since the stream's start) of {@code buf[0]}. */
    private long inBase;
    /** The last {@value #REPEATS} distinct shifts (pool offset - input offset) of copies, most recent first. */
    private final long[] repeats = new long[REPEATS];
    /** Verified candidates of one probe: near the cursor, recent shifts, the table's bucket. */
    private final long[] candidates = new long[1 + REPEATS + PacketFsPoolAnchors.WAYS + 1];
    /** Stream positions (low 32 bits) of recent input by hash of its first 6 bytes; checked before use. */
    private final int[] histHeads = new int[1 << HIST_BITS];
    /** Whether copies from the stream's earlier output are sought. */
    private final boolean history;
    private final long[] tableHits = new long[PacketFsPoolAnchors.WAYS];
    /** Forward length of {@link #bestCandidate}'s answer, or -1 when it took its only candidate unmeasured. */
    private int candidateLen;
    /** Input position of {@link #lazy}'s answer. */
    private int lazyAt;
    private int repeatCount;

    /** The coder of coded units, or null when every unit is plain. */
    private final PacketFsCopyCoder coder;
    /** Plain body bytes a unit may hold: maxBody, or more when coded units carry them. */
    private final int plainCap;
    private final byte[] codedBody;
    /** Whether the coder weighs the open (or next) unit from the current cursor. */
    private boolean coderOpen;
    private final byte[] body;
    private int bodyLen;
    private long unitOut;

    /** The cursor: a pool offset or {@code HIST +} a stream position (docs/PROTOCOL.md 8.7). */
    private long cur;
    /** The pool cursor: where the last copy from the pool ended, or the unit's base. */
    private long poolCur;
    /** The stream position where the last copy from the pool ended. */
    private long poolEndAt;
    private boolean anchored;
    private boolean matching;
    private int tokenAt;
    private long mStart;
    private long mLen;
    private int litStart;
    private int misses;
    private long lastCopy;
    private int editsSinceProbe;

    private long bytesIn;
    private long bytesCopied;
    private long historyBytes;
    private long literalBytes;
    private long commandsOut;
    private long unitsOut;
    private long bodyBytesOut;
    private long codedUnitsOut;

    /** An encoder for {@code pool}, allocating unit bodies from the default allocator. */
    public PacketFsPoolEncoder(PacketFsPool pool) {
        this(pool, ByteBufAllocator.DEFAULT, DEFAULT_MAX_BODY);
    }

    /**
     * An encoder for {@code pool} with bodies from {@code alloc} of at most {@code maxBody} bytes (64..65,535), coded
     * units (docs/PROTOCOL.md 8.8) where they are smaller.
     */
    public PacketFsPoolEncoder(PacketFsPool pool, ByteBufAllocator alloc, int maxBody) {
        this(pool, alloc, maxBody, true);
    }

    /**
     * An encoder for {@code pool} with bodies from {@code alloc} of at most {@code maxBody} bytes (64..65,535); with
     * {@code coded} (and a {@code maxBody} of at least {@value #MIN_CODED_BODY}), a unit travels entropy coded
     * ({@code 0xF9}, docs/PROTOCOL.md 8.8) when that is smaller, and a unit then carries as many commands as fit
     * {@code maxBody} coded bytes; without, every unit is plain ({@code 0xF8}, for receivers that predate 8.8).
     */
    public PacketFsPoolEncoder(PacketFsPool pool, ByteBufAllocator alloc, int maxBody, boolean coded) {
        this(pool, alloc, maxBody, coded, true);
    }

    /**
     * As {@link #PacketFsPoolEncoder(PacketFsPool, ByteBufAllocator, int, boolean)}; with {@code history} false the
     * encoder never copies from the stream's earlier output (docs/PROTOCOL.md 8.7). Every unit then decodes without
     * the units before it: for paths without reliable delivery, where a lost unit would make the receiver refuse the
     * later units that copy from it.
     */
    public PacketFsPoolEncoder(PacketFsPool pool, ByteBufAllocator alloc, int maxBody, boolean coded,
            boolean history) {
        this.history = history;
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
        this.buf = new byte[COPY_HISTORY + SLICE + maxBody + 2 * MAX_STEP + VERIFY];
        this.bufView = ByteBuffer.wrap(buf);
        coded &= maxBody >= MIN_CODED_BODY;
        this.coder = coded ? new PacketFsCopyCoder(pool, true) : null;
        this.plainCap = coded ? Math.min(PacketFsCopyCoder.MAX_PLAIN, PLAIN_PER_BODY * maxBody) : maxBody;
        this.body = new byte[plainCap];
        this.codedBody = coded ? new byte[maxBody] : null;
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
            if (buf.length - end < Math.min(n, SLICE)) {
                compact(); // only when the buffer is full: it moves the 64 KiB of history too
            }
            int k = Math.min(n, buf.length - end);
            chunk.readBytes(buf, end, k);
            end += k;
            n -= k;
            scan(sink, false, false);
        }
    }

    /** Encodes everything left and hands the last unit to {@code sink}; the encoder is then ready for a new stream. */
    public void finish(PacketFsPoolCopySink sink) {
        scan(sink, true, false);
        if (matching) {
            closeMatch(pos);
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
        scan(sink, false, true);
        if (matching) {
            closeMatch(pos);
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
        coderOpen = false;
        cur = 0;
        poolCur = 0;
        poolEndAt = 0;
        Arrays.fill(histHeads, 0);
        anchored = false;
        matching = false;
        litStart = 0;
        misses = 0;
        inBase = 0;
        repeatCount = 0;
        lastCopy = 0;
        if (coder != null) {
            coder.reset(); // a new stream codes as the first did
        }
        editsSinceProbe = 0;
    }

    /** Input bytes taken so far. */
    public long bytesIn() {
        return bytesIn;
    }

    /** Input bytes sent as pool copies so far. */
    public long bytesCopied() {
        return bytesCopied;
    }

    /** Input bytes sent as copies of the stream's earlier output so far (a part of {@link #bytesCopied()}). */
    public long historyBytes() {
        return historyBytes;
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

    /** Units of those that went coded ({@code 0xF9}). */
    public long codedUnitsOut() {
        return codedUnitsOut;
    }

    /** Body bytes of those units. */
    public long bodyBytesOut() {
        return bodyBytesOut;
    }

    private void compact() {
        // the last 64 KiB before the undecided input stay: history copies read them
        int from = Math.max(0, (matching ? pos : litStart) - COPY_HISTORY);
        if (from > 0) {
            System.arraycopy(buf, from, buf, 0, end - from);
            inBase += from;
            end -= from;
            pos -= from;
            litStart -= from;
        }
    }

    private void scan(PacketFsPoolCopySink sink, boolean last, boolean flushing) {
        final byte[] b = buf;
        final int e = end;
        int p = pos;
        for (;;) {
            if (matching) {
                if (p >= e) {
                    break;
                }
                if (mStart >= HIST) {
                    p = extendHistory(sink, p, e);
                    continue;
                }
                long pp = mStart + mLen;
                long poolLeft = poolSize - pp;
                long outLeft = COPY_MAX_OUTPUT - unitOut - mLen;
                if (poolLeft == 0 || outLeft == 0) {
                    closeMatch(p);
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
                    closeMatch(p);
                    litStart = p;
                }
                continue;
            }
            // a choice between candidates measures up to CANDIDATE_REACH bytes ahead: wait for them (or the end, or a
            // flush), so that the units do not depend on how the input was cut
            if (e - p < VERIFY || !last && !flushing && e - p < CANDIDATE_REACH + LAZY_STEPS) {
                if (last) {
                    p = e; // the last few bytes are literals
                }
                break;
            }
            int lits = p - litStart;
            int room = literalRoom(lits);
            if (lits > 0 && lits >= room) {
                if (room < MIN_LITERAL_ROOM && bodyLen != 0 && (coder == null || room < lits)) {
                    emitUnit(sink);
                } else {
                    emitLiterals(sink, Math.min(lits, room));
                    anchored = false;
                }
                continue;
            }
            long w = (long) LONG_LE.get(b, p);
            int here = p;
            long a;
            boolean far = true;
            if (anchored && lits <= LOCAL_LITERALS) {
                long near = nearCursor((int) w, lits);
                if (near >= 0) {
                    // an edit near the cursor or, at every 8th edit after short copies (perhaps of a look-alike of
                    // the source: the same code indented otherwise), whichever of it, the recent shifts and the
                    // table goes furthest
                    far = false;
                    if (lastCopy < CANDIDATE_REACH && ++editsSinceProbe >= EDITS_PER_PROBE) {
                        editsSinceProbe = 0;
                        a = bestCandidate(w, p, e, near, true);
                    } else {
                        a = near;
                    }
                } else if (lits == LOCAL_LITERALS) {
                    a = bestCandidate(w, p, e, -1, true);
                } else {
                    historyInsert(w, inBase + p);
                    p++; // backward extension recovers these bytes if the copy resumes near the cursor
                    continue;
                }
            } else {
                a = bestCandidate(w, p, e, -1, true);
            }
            if (a >= 0 && far) {
                int len = candidateLength(p, a, e);
                if (len < LAZY_LENGTH) {
                    a = lazy(p, e, a, len);
                    p = lazyAt;
                }
            }
            historyInsert(w, inBase + here);
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

    /** Extends the open copy of the stream's earlier output from input {@code p}; returns the input position after. */
    private int extendHistory(PacketFsPoolCopySink sink, int p, int e) {
        long outLeft = COPY_MAX_OUTPUT - unitOut - mLen;
        if (outLeft == 0) {
            closeMatch(p);
            litStart = p;
            return startMatch(sink, p, cur); // the unit is full: the copy goes on in the next one
        }
        int k = (int) Math.min(e - p, outLeft);
        int src = (int) (mStart + mLen - HIST - inBase);
        // a copy may overlap its own output (distance < length): the input is that output, so compare it with itself
        int r = Arrays.mismatch(buf, p, p + k, buf, src, src + k);
        int m = r < 0 ? k : r;
        p += m;
        mLen += m;
        if (m < k) {
            closeMatch(p);
            litStart = p;
        }
        return p;
    }

    private static int historySlot(long w) {
        return (int) ((w & HIST_MASK) * 0x9E3779B97F4A7C15L >>> 64 - HIST_BITS);
    }

    private void historyInsert(long w, long at) {
        if (history) {
            histHeads[historySlot(w)] = (int) at;
        }
    }

    /**
     * The history candidate ({@code HIST +} its stream position) for the input bytes {@code w} (the hash takes their
     * first {@value #HIST_VERIFY}) at stream position
     * {@code at}: the latest earlier position with their hash, if it lies within the last 64 KiB and the buffer;
     * not verified. Or -1.
     */
    private long historyCandidate(long w, long at) {
        long q = at - ((int) at - histHeads[historySlot(w)] & 0xFFFFFFFFL);
        return verifiable(HIST + q, at) ? HIST + q : -1;
    }

    /** Whether source {@code a} can be read for input at stream position {@code at}: 8 bytes, a legal distance. */
    private boolean verifiable(long a, long at) {
        if (a < HIST) {
            return a >= 0 && a <= poolSize - VERIFY;
        }
        long q = a - HIST;
        return q >= inBase && q < at && at - q <= COPY_HISTORY;
    }

    /** 8 bytes of source {@code a} (pool or input), little-endian. */
    private long sourceLong(long a) {
        return a < HIST ? PacketFsPoolAnchors.readLong(chunks, a) : (long) LONG_LE.get(buf, (int) (a - HIST - inBase));
    }

    private byte sourceByte(long a) {
        return a < HIST ? poolByte(a) : buf[(int) (a - HIST - inBase)];
    }

    /**
     * A pool offset near the cursor whose {@value #VERIFY_NEAR} bytes equal {@code w} (little-endian), or -1: cursor
     * + 0 .. lits + {@value #LOCAL_REACH} (cursor + 0 is skipped right after a mismatch, where it just failed).
     */
    private long nearCursor(int w, int lits) {
        if (cur >= HIST) {
            return nearHistory(w, lits);
        }
        long limit = poolSize - VERIFY_NEAR;
        for (int j = lits == 0 ? 1 : 0, stop = lits + LOCAL_REACH; j <= stop; j++) {
            long a = cur + j;
            if (a > limit) {
                break;
            }
            if (poolInt(a) == w) {
                return a;
            }
        }
        return -1;
    }

    /** {@link #nearCursor} when the cursor is in the stream's earlier output. */
    private long nearHistory(int w, int lits) {
        long at = inBase + litStart + lits; // the input position being probed
        for (int j = lits == 0 ? 1 : 0, stop = lits + LOCAL_REACH; j <= stop; j++) {
            long a = cur + j;
            long q = a - HIST;
            if (q >= at) {
                break;
            }
            if (q >= inBase && at - q <= COPY_HISTORY && (int) (long) LONG_LE.get(buf, (int) (q - inBase)) == w) {
                return a;
            }
        }
        // or the pool again, where it would go on had the bytes since its last copy replaced as many, or been
        // inserted: the copy of earlier output was an edit of the pool's data
        long limit = poolSize - VERIFY_NEAR;
        long replaced = poolCur + (at - poolEndAt);
        if (replaced >= 0 && replaced <= limit && poolInt(replaced) == w) {
            return replaced;
        }
        for (int j = 0, stop = lits + LOCAL_REACH; j <= stop && poolCur + j <= limit; j++) {
            if (poolInt(poolCur + j) == w) {
                return poolCur + j;
            }
        }
        return -1;
    }

    private int poolInt(long a) {
        ByteBuffer c = chunks[(int) (a >>> PacketFsPool.CHUNK_SHIFT)];
        int o = (int) (a & PacketFsPool.CHUNK_MASK);
        return o <= c.capacity() - VERIFY_NEAR ? c.getInt(o) : (int) PacketFsPoolAnchors.readLong(chunks, a);
    }

    /**
     * The pool offset where a copy of the input at {@code p} (whose first 8 bytes are {@code w}) pays best, or -1.
     * Candidates: {@code near} (a verified offset near the cursor, or -1), the shifts of recent copies and, with
     * {@code table}, the anchor table's bucket for {@code w}; each verified and measured forward
     * (up to {@value #CANDIDATE_REACH} bytes) and scored by its length less the bytes of its delta. A far copy that
     * would not pay for its command is refused.
     */
    private long bestCandidate(long w, int p, int e, long near, boolean table) {
        final long[] c = candidates;
        int n = 0;
        if (near >= 0) {
            c[n++] = near;
        }
        long at = inBase + p;
        long lastVerifiable = poolSize - VERIFY;
        for (int k = 0, r = repeatCount; k < r; k++) {
            long a = at + repeats[k];
            if (a != near && verifiable(a, at) && sourceLong(a) == w) {
                c[n++] = a;
            }
        }
        int firstFar = n;
        if (table) {
            long h = history ? historyCandidate(w, at) : -1;
            if (h >= 0 && !contains(c, n, h) && ((sourceLong(h) ^ w) & HIST_MASK) == 0) {
                c[n++] = h;
            }
            int found = anchors.find(w, tableHits);
            for (int k = 0; k < found; k++) {
                long a = tableHits[k];
                if (a <= lastVerifiable && !contains(c, n, a) && PacketFsPoolAnchors.readLong(chunks, a) == w) {
                    c[n++] = a;
                }
            }
        }
        candidateLen = -1;
        if (n == 0) {
            return -1;
        }
        if (n == 1 && c[0] < HIST && (firstFar == 1 || VERIFY - deltaBytes(c[0], at) >= FAR_COPY_MARGIN)) {
            return c[0]; // the only candidate, and one that pays: no need to measure it
        }
        int reach = Math.min(e - p, CANDIDATE_REACH);
        long best = -1;
        int bestScore = Integer.MIN_VALUE;
        for (int k = 0; k < n; k++) {
            long a = c[k];
            int len = forward(p, a, reach, a == near ? VERIFY_NEAR : a >= HIST ? HIST_VERIFY : VERIFY);
            int score = len - deltaBytes(a, at);
            if (score > bestScore && (k < firstFar || score >= (a >= HIST ? HIST_COPY_MARGIN : FAR_COPY_MARGIN) || len >= reach)) {
                best = a;
                bestScore = score;
                candidateLen = len;
            }
        }
        return best;
    }

    /**
     * A far copy of {@code len} bytes (shorter than {@value #LAZY_LENGTH}) was found at input {@code p}: the best
     * candidates of the next {@value #LAZY_STEPS} - 1 positions may reach further (a longer copy whose anchor lies a
     * few bytes on; backward extension gives back the bytes before it). Returns the pool offset of the copy that ends
     * furthest for its delta and the literals it leaves; its input position is left in {@link #lazyAt}.
     */
    private long lazy(int p, int e, long a, int len) {
        final byte[] b = buf;
        long bestA = a;
        int bestQ = p;
        long bestScore = (long) p + len - deltaBytes(a, inBase + p);
        for (int j = 1; j < LAZY_STEPS && p + j <= e - VERIFY; j++) {
            int q = p + j;
            long aq = bestCandidate((long) LONG_LE.get(b, q), q, e, -1, true);
            if (aq < 0 || aq - q == bestA - bestQ) { // none, or the same copy
                continue;
            }
            int lq = candidateLength(q, aq, e);
            int back = backward(q, aq, p);
            long score = (long) q + lq - deltaBytes(aq, inBase + q) - (q - back - p); // literals left cost 1 each
            if (score > bestScore) {
                bestScore = score;
                bestA = aq;
                bestQ = q;
            }
        }
        lazyAt = bestQ;
        return bestA;
    }

    private static boolean contains(long[] c, int n, long a) {
        for (int k = 0; k < n; k++) {
            if (c[k] == a) {
                return true;
            }
        }
        return false;
    }

    /** Bytes of the GEN source field that names {@code a} for input at stream position {@code at}. */
    private int deltaBytes(long a, long at) {
        return uvarintLength(sourceField(a, at));
    }

    /**
     * A GEN command's plain source field (docs/PROTOCOL.md 8.7) for a copy from {@code a} that starts at stream
     * position {@code at}: the zigzag delta from the pool cursor, shifted left, or the distance back less one,
     * shifted left, plus 1.
     */
    private long sourceField(long a, long at) {
        if (a >= HIST) {
            return at - (a - HIST) - 1 << 1 | 1;
        }
        long d = a - poolCur;
        return (d << 1 ^ d >> 63) << 1;
    }

    /** Bytes from input {@code p} that equal the pool from {@code a} (the first {@code known} do), at most reach. */
    private int forward(int p, long a, int reach, int known) {
        final byte[] b = buf;
        int m = known;
        if (a >= HIST) {
            int r = Arrays.mismatch(b, p + m, p + reach, b, (int) (a - HIST - inBase) + m, (int) (a - HIST - inBase)
                    + reach);
            return r < 0 ? Math.max(m, reach) : m + r;
        }
        long limit = Math.min(reach, poolSize - a);
        for (; m + 8 <= limit; m += 8) {
            long x = (long) LONG_LE.get(b, p + m) ^ PacketFsPoolAnchors.readLong(chunks, a + m);
            if (x != 0) {
                return m + (Long.numberOfTrailingZeros(x) >>> 3);
            }
        }
        while (m < limit && b[p + m] == poolByte(a + m)) {
            m++;
        }
        return m;
    }

    /** The forward length of {@link #bestCandidate}'s answer {@code a} for input {@code p}, measured if it was not. */
    private int candidateLength(int p, long a, int e) {
        return candidateLen >= 0 ? candidateLen
                : forward(p, a, Math.min(e - p, CANDIDATE_REACH), a >= HIST ? HIST_VERIFY : VERIFY);
    }

    /** Bytes before input {@code q} that equal the pool before {@code a}, back to input {@code floor} at most. */
    private int backward(int q, long a, int floor) {
        final byte[] b = buf;
        int n = 0;
        long lowest = a >= HIST ? HIST + inBase : 0;
        while (q - n > floor && a - n > lowest && b[q - n - 1] == sourceByte(a - n - 1)) {
            n++;
        }
        return n;
    }

    private void rememberShift(long shift) {
        long[] r = repeats;
        int k = 0;
        int n = repeatCount;
        while (k < n && r[k] != shift) {
            k++;
        }
        if (k == n) {
            if (n < REPEATS) {
                repeatCount = ++n;
            }
            k = n - 1;
        }
        System.arraycopy(r, 0, r, 1, k);
        r[0] = shift;
    }

    /** Starts a copy of pool offset {@code a} at input {@code p}, first extended backwards; returns its input start. */
    private int startMatch(PacketFsPoolCopySink sink, int p, long a) {
        final byte[] b = buf;
        int back = backward(p, a, litStart);
        p -= back;
        a -= back;
        long at = inBase + p;
        int lits;
        int kind;
        long source;
        for (;;) {
            lits = p - litStart;
            kind = kindFor(a, lits);
            source = sourceField(a, at);
            if (bodyLen != 0) {
                if (fits(lits + COMMAND_ROOM, lits, kind, source) && unitOut + lits + 1L <= COPY_MAX_OUTPUT) {
                    break;
                }
                emitUnit(sink); // the next unit's cursor starts at the pool cursor: what the command is may change
                continue;
            }
            // a fresh unit: the pending literals (a literal command left room for them, the lazy step may have
            // added some) and the copy's source and length must fit it, or the first literals go alone
            int room = (coder == null ? maxBody : plainCap) - uvarintLength(poolCur) - COMMAND_ROOM;
            if (lits <= room) {
                break;
            }
            emitLiterals(sink, lits - Math.max(0, room));
        }
        openUnit();
        byte[] out = body;
        int bat = bodyLen;
        tokenAt = bat;
        out[bat++] = (byte) (kind << COPY_KIND_SHIFT);
        if (kind == COPY_KIND_GEN) {
            bat = putUvarint(out, bat, lits);
            System.arraycopy(b, litStart, out, bat, lits);
            bat += lits;
            bat = putUvarint(out, bat, source);
        } else if (kind != COPY_KIND_DEL) {
            out[bat++] = b[litStart];
        }
        bodyLen = bat;
        commandsOut++;
        unitOut += lits;
        literalBytes += lits;
        matching = true;
        mStart = a;
        mLen = 0;
        misses = 0;
        rememberShift(a - (inBase + p));
        return p;
    }

    /** SUB, INS or DEL when the copy from {@code a} after {@code lits} literals continues the cursor so; else GEN. */
    private int kindFor(long a, int lits) {
        if (a >= HIST != cur >= HIST) {
            return COPY_KIND_GEN;
        }
        long delta = a - cur;
        if (lits == 1) {
            return delta == 1 ? COPY_KIND_SUB : delta == 0 ? COPY_KIND_INS : COPY_KIND_GEN;
        }
        return lits == 0 && delta == 1 ? COPY_KIND_DEL : COPY_KIND_GEN;
    }

    /** Closes the open copy, which ends at input {@code endAt}. */
    private void closeMatch(int endAt) {
        long len = mLen;
        if (len < COPY_LENGTH_EXTENDED) {
            body[tokenAt] |= (byte) len;
        } else {
            body[tokenAt] |= (byte) COPY_LENGTH_EXTENDED;
            bodyLen = putUvarint(body, bodyLen, len - COPY_LENGTH_EXTENDED);
        }
        if (coder != null) {
            coder.account(body, tokenAt, bodyLen, maxBody);
        }
        unitOut += len;
        bytesCopied += len;
        cur = mStart + len;
        if (mStart < HIST) {
            poolCur = cur;
            poolEndAt = inBase + endAt;
        } else {
            historyBytes += len;
        }
        lastCopy = len;
        matching = false;
        anchored = true;
        // its bytes may be copied again later: into the history index, every HIST_STRIDE-th position
        final byte[] b = buf;
        long base = inBase;
        int from = history ? endAt - (int) Math.min(len, COPY_HISTORY) : endAt;
        for (int i = from, last = endAt - VERIFY; i <= last; i += HIST_STRIDE) {
            historyInsert((long) LONG_LE.get(b, i), base + i);
        }
    }

    /** Writes the literals {@code [litStart, upTo)} as literal-only commands. */
    private void emitPendingLiterals(PacketFsPoolCopySink sink, int upTo) {
        while (upTo > litStart) {
            int room = literalRoom(upTo - litStart);
            if (room < MIN_LITERAL_ROOM && bodyLen != 0 && (coder == null || room < upTo - litStart)) {
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
    private int literalRoom(int lits) {
        int plainRoom = (bodyLen == 0 ? maxBody - uvarintLength(poolCur) : maxBody - bodyLen) - LITERAL_COMMAND_ROOM;
        if (coder == null) {
            return plainRoom;
        }
        // coded: the plain body may be longer than maxBody, but one literal-only command alone must fit plain
        int room = Math.min(plainCap - Math.max(bodyLen, uvarintLength(poolCur)) - LITERAL_COMMAND_ROOM,
                maxBody - CODED_LITERAL_SLACK);
        if (bodyLen == 0 && !coderOpen) {
            coder.begin(poolCur); // the unit's base is written with its first command
            coderOpen = true;
        }
        if (!coder.codable()) {
            return Math.min(room, plainRoom);
        }
        int n = Math.min(lits, room);
        if (n == lits && (coder.pendingFits(buf, litStart, lits, maxBody) || coder.pendingFitAlone())) {
            // all of them fit (and a copy after them, or else the copy that ends the run opens the next unit):
            // keep scanning rather than cut the run into a literal command per position
            return lits + 1;
        }
        return coder.literalsFit(buf, litStart, n, maxBody);
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
        ensureRoom(sink, n + LITERAL_COMMAND_ROOM, n, n, COPY_KIND_GEN, 0);
        byte[] out = body;
        int at = bodyLen;
        int from = at;
        out[at++] = (byte) (COPY_KIND_GEN << COPY_KIND_SHIFT);
        at = putUvarint(out, at, n);
        System.arraycopy(buf, litStart, out, at, n);
        at += n;
        out[at++] = 0; // from the pool cursor, + 0: the cursor returns there
        bodyLen = at;
        cur = poolCur;
        if (coder != null) {
            coder.account(out, from, at, maxBody);
        }
        commandsOut++;
        unitOut += n;
        literalBytes += n;
        litStart += n;
    }

    /** Makes room for a command; opens a unit (writing its base, the cursor) when none is open. */
    private void ensureRoom(PacketFsPoolCopySink sink, int bodyBytes, long outBytes, int lits, int kind,
            long source) {
        if (bodyLen != 0 && (!fits(bodyBytes, lits, kind, source) || unitOut + outBytes > COPY_MAX_OUTPUT)) {
            emitUnit(sink);
        }
        openUnit();
    }

    /** Opens a unit, writing its base (the pool cursor, where the unit's cursor starts), when none is open. */
    private void openUnit() {
        if (bodyLen == 0) {
            bodyLen = putUvarint(body, 0, poolCur);
            if (coder != null && !coderOpen) {
                coder.begin(poolCur);
                coderOpen = true;
            }
        }
    }

    /** Whether a command of {@code bodyBytes} plain bytes at most fits the open unit, plain or coded. */
    private boolean fits(int bodyBytes, int lits, int kind, long source) {
        if (coder == null || !coder.codable()) {
            return bodyLen + bodyBytes <= maxBody;
        }
        return bodyLen + bodyBytes <= plainCap && coder.fits(buf, litStart, lits, kind, source, maxBody);
    }

    private void emitUnit(PacketFsPoolCopySink sink) {
        int n = bodyLen;
        if (n == 0) {
            return;
        }
        bodyLen = 0;
        unitOut = 0;
        coderOpen = false;
        cur = poolCur; // a unit's cursor starts at its base, a pool offset
        int k = coder == null ? -1 : coder.encode(body, n, codedBody, 0, maxBody, true);
        boolean coded = k > 0 && (k < n || n > maxBody);
        if (!coded && n > maxBody) {
            throw new IllegalStateException("a plain body of " + n + " bytes neither fits " + maxBody
                    + " bytes nor codes into them");
        }
        int w = coded ? k : n;
        ByteBuf packed = alloc.buffer(w, w);
        packed.writeBytes(coded ? codedBody : body, 0, w);
        unitsOut++;
        bodyBytesOut += w;
        if (coded) {
            codedUnitsOut++;
        }
        sink.onCopy(new PacketFsCopyUnit(packed, coded));
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
