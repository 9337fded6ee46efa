package io.packetfs.codec.pool;

import io.netty.buffer.ByteBuf;
import io.packetfs.codec.PacketFsCopyUnit;
import io.packetfs.codec.PacketFsException;

import java.nio.ByteBuffer;

import static io.packetfs.codec.internal.PacketFsConstants.COPY_HISTORY;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_KIND_GEN;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_KIND_INS;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_KIND_SHIFT;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_KIND_SUB;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_LENGTH_EXTENDED;
import static io.packetfs.codec.internal.PacketFsConstants.COPY_LENGTH_MASK;

/**
 * The entropy coder of coded COPY units ({@code 0xF9}, docs/PROTOCOL.md 8.8): the same commands as a plain COPY
 * body (8.7), each field a symbol of a static model, coded with rANS (32-bit state, byte-wise renormalization,
 * 12-bit frequencies). Literals use the pool's order-1 model ({@link PacketFsLiteralModel}) or, when that would
 * cost more, 8 bits each; the token, the literal count, the delta and the length extension use the fixed models of
 * {@link PacketFsCopyTables}. Integers are a bucket symbol and raw extra bits:
 *
 * <pre>
 *   value v      symbol       extra bits (uniform, in chunks of at most 8, high chunk first)
 *   0 .. 15      v            none
 *   2^(n-1) ..   n + 11       the n - 1 bits of v below its top bit        (n = 5 .. 52)
 *
 *   coded body = mode (1 byte: 0 pool literals, 1 stored literals) | plain length (uvarint)
 *                | mode 1: literal count (uvarint), the literals | rANS stream
 *   rANS stream = initial decoder state (u32, little-endian) | renormalization bytes, in decoding order
 * </pre>
 *
 * The decoder {@linkplain #decode expands} a coded body into the plain body it stands for, which the COPY decoder
 * then checks and copies as any other; the decoded stream must end in the encoder's initial state with every byte
 * consumed, so a damaged stream is refused ({@code BAD_CODING}) rather than turned into other commands. Not
 * thread-safe (scratch buffers of its role: about 650 KB to encode, 64 KB to decode); one per encoder or decoder.
 * Nothing is allocated per unit.
 */
final class PacketFsCopyCoder {

    /** Literals coded with the pool's model. */
    static final int MODE_POOL = 0;
    /** Literals stored, 8 bits each, beside the rANS stream. */
    static final int MODE_STORED = 1;
    /** The largest plain body a coded unit may stand for. */
    static final int MAX_PLAIN = 0xFFFF;
    /** Lower bound of the rANS state; the encoder starts and the decoder must end here. */
    static final int RANS_LOW = 1 << 23;
    /** The largest integer a coded field can carry: 52 bits. */
    static final long MAX_INT = (1L << 52) - 1;
    /** Integer symbols: 0..15 as themselves, then bit lengths 5..52. */
    static final int INT_SYMBOLS = 64;
    /** Coded header bytes at most: mode, a 3-byte plain length and (stored literals) a 3-byte literal count. */
    static final int HEADER_MAX = 7;
    /** Bytes of the rANS stream besides the bits of its symbols: the final state. */
    static final int STATE_BYTES = 4;

    static final PacketFsCopyModel FLAT = PacketFsCopyModel.uniform(INT_SYMBOLS);
    static final PacketFsCopyModel BYTE = PacketFsCopyModel.uniform(256);
    static final PacketFsCopyModel TOKEN = PacketFsCopyModel.of(PacketFsCopyTables.TOKEN);
    static final PacketFsCopyModel COUNT = PacketFsCopyModel.of(PacketFsCopyTables.COUNT);
    static final PacketFsCopyModel DELTA = PacketFsCopyModel.of(PacketFsCopyTables.DELTA);
    static final PacketFsCopyModel LENGTH = PacketFsCopyModel.of(PacketFsCopyTables.LENGTH);
    /**
     * Where a GEN command copies from: {@value #SOURCE_POOL} the pool (a delta follows), {@value #SOURCE_HISTORY} the
     * stream's earlier output (a distance follows), {@value #SOURCE_REPEAT} + k the pool at the unit's k-th latest
     * shift (nothing follows).
     */
    static final PacketFsCopyModel SOURCE = PacketFsCopyModel.of(PacketFsCopyTables.SOURCE);
    static final int SOURCE_POOL = 0;
    static final int SOURCE_HISTORY = 1;
    static final int SOURCE_REPEAT = 2;
    /** Recent pool shifts a coded GEN may name by index. */
    static final int REPEATS = 4;
    static final PacketFsCopyModel DISTANCE = PacketFsCopyModel.of(PacketFsCopyTables.DISTANCE);
    /** The dearest token. */
    static final long TOKEN_MAX = max(TOKEN);
    /** The dearest literal-count symbol (its extra bits apart). */
    static final long COUNT_MAX = max(COUNT);

    private final PacketFsLiteralModel literals;
    private final ByteBuffer[] chunks;
    private final long poolSize;
    /** The dearest delta in this pool, 1/64 bits. */
    private final long deltaMax;
    /** The dearest length extension in this pool. */
    private final long lengthMax;
    /** The dearest literal of the pool's model, 1/64 bits. */
    private final long literalCostMax;

    // encoder: the running cost of the open unit, in 1/64 bits, both literal modes
    private long costPool;
    private long costStored;
    private long cursor;
    private long poolCursor;
    private boolean history;
    /** Output bytes of the unit so far (its plain commands'), for the shifts of pool copies. */
    private long outAt;
    /**
     * The unit's last {@value #REPEATS} distinct shifts of pool copies (pool start - unit output position), the latest
     * first: a GEN that copies from one of them again codes its index, not its delta (encoder and decoder alike).
     */
    private final long[] repeats = new long[REPEATS];
    private int repeatCount;
    private int prev;
    /** Pool offset of the literal context when it is the last byte of a copy not read yet, else -1. */
    private long prevAt;
    private boolean codable;
    private int pendCount;
    private int pendPrev;
    private long pendPool;
    private long pendStored;
    /** Whether the open unit still weighs its literals with the pool's model. */
    private boolean poolOn;
    /** How far (1/64 bits: 16 bytes) the pool's model may fall behind stored literals before it is not weighed. */
    static final long POOL_BEHIND = 16 * 8 * PacketFsCopyModel.COST_ONE_BIT;
    /** Literals of a unit after which the pool's model must have saved {@link #POOL_MIN_GAIN} per literal. */
    static final int POOL_TRIAL = 256;
    /** 1/8 bit per literal (1.6 %): less, and the model is not worth its table reads. */
    static final long POOL_MIN_GAIN = PacketFsCopyModel.COST_ONE_BIT / 8;
    /** Literals weighed in the open unit. */
    private int unitLiterals;
    /** Units that start without weighing the pool's model after one where it lost. */
    static final int POOL_SKIP_UNITS = 8;
    private int poolSkips;
    /** The pool mode's cost once it is no longer weighed: never chosen, never overflowing. */
    static final long POOL_OFF = 1L << 50;
    /** Pending literals up to this count are known to fit (a lower bound, from the dearest literal). */
    private int pendSafe;
    private boolean pendAlone;
    /** When set, {@link #count} adds each fixed-model symbol here: token, count, delta, length. */
    private long[][] counts;
    /** Read position in the plain body being walked. */
    private int rp;
    /** Symbols of one unit, in order: start << 13 | frequency. */
    private final int[] symbols;
    private int symbolCount;
    /** Marks a pool-coded literal among the recorded symbols (left out in stored mode). */
    private static final int LITERAL_SYMBOL = 1 << 31;
    private final byte[] reversed;
    /** Literals of a unit in stored mode, in order. */
    private final byte[] stored;
    private int storedCount;

    // decoder
    /** The body being decoded, copied out of its buffer (a body is at most 65,535 bytes). */
    private final byte[] stream;
    private byte[] in;
    private int at;
    private int end;
    private int x;
    private byte[] plain;
    private int plainAt;
    private int plainLength;
    private int litAt;
    private int litEnd;
    private int literalsOut;
    private long outputLength;
    /** The decoder's literal context, or (lastAt >= 0) the pool offset it is to be read from. */
    private int last;
    private long lastAt;

    /** A coder for {@code pool}, with the scratch of an encoder ({@code encoder}) or of a decoder. */
    PacketFsCopyCoder(PacketFsPool pool, boolean encoder) {
        this.symbols = encoder ? new int[2 * MAX_PLAIN + 64] : null;
        this.reversed = encoder ? new byte[MAX_PLAIN + 64] : null;
        this.stored = encoder ? new byte[MAX_PLAIN] : null;
        this.stream = encoder ? null : new byte[PacketFsCopyUnit.MAX_BODY];
        this.literals = pool.literalModel();
        this.chunks = pool.chunkDuplicates();
        this.poolSize = pool.size();
        // a delta moves the cursor within the pool (zigzag: one bit more); a copy is at most 16 MiB
        int deltaBits = 65 - Long.numberOfLeadingZeros(poolSize);
        int lengthBits = 64 - Long.numberOfLeadingZeros(PacketFsCopyUnit.MAX_OUTPUT); // history copies: any pool
        long poolDelta = SOURCE.cost[SOURCE_POOL] + max(DELTA) + (long) deltaBits * PacketFsCopyModel.COST_ONE_BIT + 8;
        long distance = SOURCE.cost[SOURCE_HISTORY] + intCost(DISTANCE, COPY_HISTORY - 1);
        this.deltaMax = Math.max(poolDelta, distance);
        this.lengthMax = max(LENGTH) + (long) lengthBits * PacketFsCopyModel.COST_ONE_BIT + 8;
        long dearest = 0;
        for (PacketFsCopyModel m : literals.byContext) {
            dearest = Math.max(dearest, max(m));
        }
        this.literalCostMax = dearest;
    }

    private static long max(PacketFsCopyModel m) {
        long c = 0;
        for (int v : m.cost) {
            c = Math.max(c, v);
        }
        return c;
    }

    // ---- encoder ----

    /** Forgets what earlier units taught (which literal mode lost): a new stream starts as the first did. */
    void reset() {
        poolSkips = 0;
    }

    /**
     * Starts the cost of a unit whose cursor starts at {@code base}; once per unit. After a unit where the pool's
     * literal model lost to stored literals, the next {@value #POOL_SKIP_UNITS} units do not weigh it (each weighing
     * is a random read of the model's tables per literal: on machine code or random bytes it was most of the cost).
     */
    void begin(long base) {
        boolean weigh = poolSkips == 0;
        if (!weigh) {
            poolSkips--;
        }
        start(base, weigh);
    }

    private void start(long base, boolean weighPool) {
        pendCount = 0;
        pendSafe = 0;
        costPool = weighPool ? 0 : POOL_OFF;
        costStored = 0;
        unitLiterals = 0;
        symbolCount = 0;
        storedCount = 0;
        poolOn = weighPool;
        cursor = base;
        poolCursor = base;
        history = false;
        outAt = 0;
        repeatCount = 0;
        prev = 0;
        prevAt = -1;
        codable = true;
        putInt(FLAT, base);
    }

    /**
     * Adds the cost of the complete plain commands in {@code plain[from, to)} to a unit of at most {@code limit} coded
     * bytes.
     */
    void account(byte[] plain, int from, int to, int limit) {
        pendCount = 0;
        pendSafe = 0;
        walk(plain, from, to);
        // (not when stored literals would no longer fit the unit: its commands were admitted at the pool's cost)
        if (poolOn && bound(costStored) <= limit && (costPool > costStored + POOL_BEHIND
                || unitLiterals >= POOL_TRIAL && costStored - costPool < unitLiterals * POOL_MIN_GAIN)) {
            // the pool's model loses here (machine code) or gains nothing (random bytes): stop weighing it
            poolOn = false;
            costPool = POOL_OFF;
            poolSkips = POOL_SKIP_UNITS;
        }
    }

    /**
     * Whether the {@code lits} pending literals at {@code b[from]} (the input after the last command accounted) can
     * still start a command that copies from anywhere: their cost, a GEN token, count, the dearest delta and length
     * extension in this pool within {@code limit}. Incremental: literals already weighed since the last
     * command are not weighed again.
     */
    boolean pendingFits(byte[] b, int from, int lits, int limit) {
        if (pendCount > lits || pendCount == 0) {
            pendCount = 0;
            pendPrev = prev();
            pendPool = 0;
            pendStored = 0;
            pendSafe = 0;
        }
        if (lits <= pendSafe) {
            return true; // known to fit: the scan asks at every input position, this is its fast path
        }
        int c = pendPrev;
        long cp = pendPool;
        if (poolOn) {
            for (int i = from + pendCount, e = from + lits; i < e; i++) {
                int v = b[i] & 0xFF;
                cp += literals.byContext[c].cost[v];
                c = v;
            }
        }
        pendStored += (long) (lits - pendCount) * BYTE.cost[0];
        pendPool = cp;
        pendPrev = c;
        pendCount = lits;
        // the dearest count of a plain body's literals (16 bits), so that the margin below holds as lits grows
        long fixed = TOKEN_MAX + COUNT_MAX + 17L * PacketFsCopyModel.COST_ONE_BIT + 3 + deltaMax + lengthMax;
        long budget = (long) (limit - HEADER_MAX - STATE_BYTES) * 8 * PacketFsCopyModel.COST_ONE_BIT - fixed;
        long slackPool = budget - costPool - cp;
        long slackStored = budget - costStored - pendStored;
        if (slackPool < 0 && slackStored < 0) {
            // no copy can follow them in this unit; as a literal-only command (delta 0, no length) they may still
            long alone = deltaMax + lengthMax - (SOURCE.cost[SOURCE_POOL] + intCost(DELTA, 0));
            pendAlone = slackPool + alone >= 0 || slackStored + alone >= 0;
            return false;
        }
        pendSafe = lits + (int) Math.min(PacketFsCopyCoder.MAX_PLAIN,
                Math.max(slackPool / literalCostMax, slackStored / BYTE.cost[0]));
        return true;
    }

    /** After {@link #pendingFits} said no: whether those literals still fit as a literal-only command. */
    boolean pendingFitAlone() {
        return pendAlone;
    }

    /** Whether every field so far can be coded (integers of at most 52 bits, copies inside the pool). */
    boolean codable() {
        return codable;
    }

    /** Bytes of a coded body whose symbols cost {@code cost} (1/64 bits): header, symbol bytes, final state. */
    static int bound(long cost) {
        long byteCost = 8 * PacketFsCopyModel.COST_ONE_BIT;
        return HEADER_MAX + (int) ((cost + byteCost - 1) / byteCost) + STATE_BYTES;
    }

    /**
     * Whether a command that starts now, with {@code lits} literals from {@code b[from]}, of {@code kind} and (GEN)
     * plain source field {@code source} (its length not known yet: the dearest token and a length extension up to
     * 16 MiB assumed), keeps the coded body within {@code limit} bytes.
     */
    boolean fits(byte[] b, int from, int lits, int kind, long source, int limit) {
        long cp = costPool;
        long cs = costStored;
        long fixed = TOKEN_MAX + lengthMax;
        if (kind == COPY_KIND_GEN) {
            fixed += intCost(COUNT, lits) + sourceCost(source);
        }
        if (poolOn) {
            int c = lits == 0 ? 0 : prev();
            for (int i = 0; i < lits; i++) {
                int v = b[from + i] & 0xFF;
                cp += literals.byContext[c].cost[v];
                c = v;
            }
        }
        cs += (long) lits * BYTE.cost[0];
        return bound(Math.min(cp, cs) + fixed) <= limit;
    }

    /** The most of the {@code n} literals at {@code b[from]} that a literal-only command can take within limit. */
    int literalsFit(byte[] b, int from, int n, int limit) {
        int bits = 64 - Long.numberOfLeadingZeros(n);
        long fixed = TOKEN_MAX + COUNT_MAX + (long) bits * PacketFsCopyModel.COST_ONE_BIT + 2 + SOURCE.cost[SOURCE_POOL]
                + intCost(DELTA, 0);
        long cp = costPool + fixed;
        long cs = costStored + fixed;
        // bound(cost) <= limit, without a division per literal
        long budget = (long) (limit - HEADER_MAX - STATE_BYTES) * 8 * PacketFsCopyModel.COST_ONE_BIT;
        int stored = cs > budget ? 0 : (int) Math.min(n, (budget - cs) / BYTE.cost[0]);
        if (!poolOn || cp > budget) {
            return stored;
        }
        int c = n == 0 ? 0 : prev();
        int k = 0;
        for (; k < n; k++) {
            int v = b[from + k] & 0xFF;
            cp += literals.byContext[c].cost[v];
            if (cp > budget) {
                break;
            }
            c = v;
        }
        k = Math.max(k, stored);
        return k;
    }

    /** The cost of a GEN command's plain source field: the source symbol and the delta or distance. */
    static long sourceCost(long source) {
        return (source & 1) == 0 ? SOURCE.cost[SOURCE_POOL] + intCost(DELTA, source >>> 1)
                : SOURCE.cost[SOURCE_HISTORY] + intCost(DISTANCE, source >>> 1); // a repeat costs less, if chosen
    }

    /** The cost of integer {@code v} in {@code m}, or a large one when it cannot be coded. */
    static long intCost(PacketFsCopyModel m, long v) {
        if (v < 0 || v > MAX_INT) {
            return 1L << 40;
        }
        if (v < 16) {
            return m.cost[(int) v];
        }
        int n = 64 - Long.numberOfLeadingZeros(v);
        int bits = n - 1;
        int chunks = (bits + 7) >>> 3;
        return m.cost[n + 11] + (long) bits * PacketFsCopyModel.COST_ONE_BIT + chunks;
    }

    /** Bytes a coded body of symbols costing {@code cost} takes at least: 2 header bytes, the bits, the state. */
    static long estimate(long cost) {
        return 2 + cost / (8 * PacketFsCopyModel.COST_ONE_BIT) + STATE_BYTES;
    }

    /**
     * Codes the plain body {@code plain[0, length)} (a base and whole commands) into {@code out} from
     * {@code outAt}; returns the bytes written, or -1 when it cannot be coded or would not fit in {@code limit}.
     */
    int encode(byte[] plain, int length, byte[] out, int outAt, int limit, boolean accounted) {
        if (length > MAX_PLAIN) {
            return -1;
        }
        rp = 0;
        long base = readUvarint(plain);
        int first = rp;
        if (!accounted) {
            start(base, true);
            walk(plain, first, length);
        }
        if (!codable) {
            return -1;
        }
        int mode = costPool <= costStored ? MODE_POOL : MODE_STORED;
        long cost = mode == MODE_POOL ? costPool : costStored;
        if (bound(cost) > limit || length <= limit && estimate(cost) >= length) {
            return -1; // too big, or (its header and state counted) not smaller than the plain body
        }
        // the symbols were recorded as they were weighed; stored mode leaves the pool-coded literals out
        byte[] r = reversed;
        int o = r.length;
        int state = RANS_LOW; // in [2^23, 2^31): int arithmetic, no 64-bit division per symbol
        boolean skipLiterals = mode == MODE_STORED;
        for (int i = symbolCount - 1; i >= 0; i--) {
            int e = symbols[i];
            if (skipLiterals && e < 0) {
                continue;
            }
            int f = e & 0x1FFF;
            int s = e >>> 13 & 0xFFF;
            int max = (RANS_LOW >>> PacketFsCopyModel.SCALE_BITS << 8) * f; // 2^19 * f <= 2^31 - 2^19
            while (state >= max) {
                r[--o] = (byte) state;
                state >>>= 8;
            }
            int q = state / f;
            state = (q << PacketFsCopyModel.SCALE_BITS) + state - q * f + s;
        }
        for (int k = 3; k >= 0; k--) {
            r[--o] = (byte) (state >>> 8 * k);
        }
        int n = r.length - o;
        int p = outAt;
        out[p++] = (byte) mode;
        p = PacketFsPoolEncoder.putUvarint(out, p, length);
        if (mode == MODE_STORED) {
            p = PacketFsPoolEncoder.putUvarint(out, p, storedCount);
            if (p - outAt + storedCount + n > limit) {
                return -1; // not reached: the bound covers the literals
            }
            System.arraycopy(stored, 0, out, p, storedCount);
            p += storedCount;
        }
        if (p - outAt + n > limit) {
            return -1; // not reached: the bound covers the stream
        }
        System.arraycopy(r, o, out, p, n);
        return p + n - outAt;
    }

    private void walk(byte[] plain, int from, int to) {
        rp = from;
        while (rp < to) {
            int t = plain[rp++] & 0xFF;
            put(TOKEN, t);
            int kind = t >>> COPY_KIND_SHIFT;
            long delta;
            if (kind == COPY_KIND_GEN) {
                long lits = readUvarint(plain);
                putInt(COUNT, lits);
                if (!poolOn) {
                    // stored literals only: their cost is their count
                    int n = (int) lits;
                    costStored += (long) n * BYTE.cost[0];
                    unitLiterals += n;
                    System.arraycopy(plain, rp, stored, storedCount, n);
                    storedCount += n;
                    rp += n;
                    if (n > 0) {
                        prev = plain[rp - 1] & 0xFF;
                        prevAt = -1;
                    }
                } else {
                    for (long k = 0; k < lits; k++) {
                        putLiteral(plain[rp++] & 0xFF);
                    }
                }
                outAt += lits;
                long source = readUvarint(plain);
                long z = source >>> 1;
                history = (source & 1) != 0;
                if (history) {
                    put(SOURCE, SOURCE_HISTORY);
                    putInt(DISTANCE, z);
                    delta = 0; // a history copy's position does not matter here: the receiver checks it
                } else {
                    delta = poolCursor - cursor + (z >>> 1 ^ -(z & 1));
                    int k = repeatOf(cursor + delta - outAt);
                    // a repeat when it is cheaper (the tables are trained by the same rule, from the tables before)
                    if (k >= 0 && SOURCE.cost[SOURCE_REPEAT + k] < SOURCE.cost[SOURCE_POOL] + intCost(DELTA, z)) {
                        put(SOURCE, SOURCE_REPEAT + k);
                    } else {
                        put(SOURCE, SOURCE_POOL);
                        putInt(DELTA, z);
                    }
                }
            } else if (kind == COPY_KIND_SUB || kind == COPY_KIND_INS) {
                putLiteral(plain[rp++] & 0xFF);
                outAt++;
                delta = kind == COPY_KIND_SUB ? 1 : 0;
            } else {
                delta = 1;
            }
            long len = t & COPY_LENGTH_MASK;
            if (len == COPY_LENGTH_EXTENDED) {
                long e = readUvarint(plain);
                putInt(LENGTH, e);
                len += e;
            }
            if (history) {
                if (len > 0) {
                    prev = 0; // the context after a copy of earlier output (8.8)
                    prevAt = -1;
                }
                outAt += len;
                continue;
            }
            long start = cursor + delta;
            if (start < 0 || start > poolSize || len > poolSize - start) {
                codable = false;
                return;
            }
            if (len > 0) {
                prevAt = start + len - 1; // read when a literal needs it: a random read of the pool
                rememberRepeat(start - outAt);
            }
            outAt += len;
            cursor = start + len;
            poolCursor = cursor;
        }
    }

    /** Which of the unit's recent pool shifts {@code shift} is (0 the latest), or -1. */
    private int repeatOf(long shift) {
        for (int k = 0; k < repeatCount; k++) {
            if (repeats[k] == shift) {
                return k;
            }
        }
        return -1;
    }

    /** A pool copy of shift {@code shift} was written: it becomes the latest, once. */
    private void rememberRepeat(long shift) {
        long[] r = repeats;
        int k = repeatOf(shift);
        if (k < 0) {
            if (repeatCount < REPEATS) {
                repeatCount++;
            }
            k = repeatCount - 1;
        }
        System.arraycopy(r, 0, r, 1, k);
        r[0] = shift;
    }

    /** The literal context: the byte before the next literal. */
    private int prev() {
        if (prevAt >= 0) {
            prev = poolByte(prevAt);
            prevAt = -1;
        }
        return prev;
    }

    private void putLiteral(int c) {
        costStored += BYTE.cost[c];
        unitLiterals++;
        stored[storedCount++] = (byte) c;
        if (poolOn) {
            PacketFsCopyModel m = literals.byContext[prev()];
            costPool += m.cost[c];
            symbols[symbolCount++] = LITERAL_SYMBOL | m.start[c] << 13 | m.freq[c];
        }
        prev = c;
    }

    private void put(PacketFsCopyModel m, int s) {
        costPool += m.cost[s];
        costStored += m.cost[s];
        if (counts != null) {
            int i = m == TOKEN ? 0 : m == COUNT ? 1 : m == DELTA ? 2 : m == LENGTH ? 3 : m == SOURCE ? 4
                    : m == DISTANCE ? 5 : -1;
            if (i >= 0) {
                counts[i][s]++;
            }
        }
        symbols[symbolCount++] = m.start[s] << 13 | m.freq[s];
    }

    private void putInt(PacketFsCopyModel m, long v) {
        if (v < 0 || v > MAX_INT) {
            codable = false;
            return;
        }
        if (v < 16) {
            put(m, (int) v);
            return;
        }
        int n = 64 - Long.numberOfLeadingZeros(v);
        put(m, n + 11);
        int bits = n - 1;
        int first = bits & 7;
        if (first != 0) {
            bits -= first;
            putBits((int) (v >>> bits) & (1 << first) - 1, first);
        }
        while (bits > 0) {
            bits -= 8;
            putBits((int) (v >>> bits) & 0xFF, 8);
        }
    }

    private void putBits(int v, int k) {
        int c = k * PacketFsCopyModel.COST_ONE_BIT + 1; // plus the margin every symbol gets
        costPool += c;
        costStored += c;
        int f = 1 << PacketFsCopyModel.SCALE_BITS - k;
        symbols[symbolCount++] = v * f << 13 | f;
    }


    private int poolByte(long a) {
        return chunks[(int) (a >>> PacketFsPool.CHUNK_SHIFT)].get((int) (a & PacketFsPool.CHUNK_MASK)) & 0xFF;
    }

    private long readUvarint(byte[] b) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            int x = b[rp++];
            v |= (long) (x & 0x7F) << shift;
            if (x >= 0) {
                return v;
            }
        }
    }

    /** Adds the symbols of the fixed models in the plain body {@code plain[0, length)} to {@code into}. */
    void count(byte[] plain, int length, long[][] into) {
        counts = into;
        try {
            rp = 0;
            long base = readUvarint(plain);
            int first = rp;
            start(base, true);
            walk(plain, first, length);
        } finally {
            counts = null;
        }
    }

    // ---- decoder ----

    /**
     * Expands the coded body {@code body[from, to)} into {@code out} (at least {@link #MAX_PLAIN} bytes), with
     * {@code historyHeld} bytes of the stream's earlier output held by the receiver; returns the plain length. Throws
     * {@link PacketFsException} ({@code BAD_CODING}, {@code TRUNCATED}, {@code REF_OUT_OF_POOL} or {@code
     * HISTORY_UNAVAILABLE}) when the body is damaged; reads nothing outside it.
     */
    int decode(ByteBuf body, int from, int to, byte[] out, int historyHeld) {
        int n = to - from;
        if (n > stream.length) {
            throw bad(PacketFsException.Reason.BAD_CODING, "a body of " + n + " bytes exceeds " + stream.length);
        }
        body.getBytes(from, stream, 0, n);
        in = stream;
        at = 0;
        end = n;
        plain = out;
        plainAt = 0;
        try {
            if (at >= end) {
                throw bad(PacketFsException.Reason.TRUNCATED, "the body is empty");
            }
            int mode = in[at++] & 0xFF;
            if (mode != MODE_POOL && mode != MODE_STORED) {
                throw bad(PacketFsException.Reason.BAD_CODING, "unknown literal mode " + mode);
            }
            long length = headerUvarint();
            if (length < 1 || length > MAX_PLAIN) {
                throw bad(PacketFsException.Reason.BAD_CODING, "plain length " + length + " is outside 1.."
                        + MAX_PLAIN);
            }
            plainLength = (int) length;
            litAt = 0;
            litEnd = 0;
            if (mode == MODE_STORED) {
                long lits = headerUvarint();
                if (lits > plainLength || lits > end - at) {
                    throw bad(lits > plainLength ? PacketFsException.Reason.BAD_CODING
                            : PacketFsException.Reason.TRUNCATED, lits + " stored literals, a plain length of "
                            + plainLength + " and " + (end - at) + " bytes left");
                }
                litAt = at;
                at += (int) lits;
                litEnd = at;
            }
            if (end - at < STATE_BYTES) {
                throw bad(PacketFsException.Reason.TRUNCATED, "the rANS stream has no state");
            }
            x = in[at] & 0xFF | (in[at + 1] & 0xFF) << 8 | (in[at + 2] & 0xFF) << 16 | in[at + 3] << 24;
            at += STATE_BYTES;
            if (x < RANS_LOW) {
                throw bad(PacketFsException.Reason.BAD_CODING, "initial state " + Integer.toUnsignedString(x)
                        + " is outside [2^23, 2^31)");
            }
            long total = 0;
            literalsOut = 0;
            long cur = getInt(FLAT);
            if (cur > poolSize) {
                throw bad(PacketFsException.Reason.REF_OUT_OF_POOL, "base offset " + cur + " is beyond the pool's "
                        + poolSize + " bytes");
            }
            writeUvarint(cur);
            last = 0;
            lastAt = -1;
            long poolCur = cur;
            boolean inHistory = false;
            repeatCount = 0;
            while (plainAt < plainLength) {
                int commandAt = plainAt;
                int t = get(TOKEN);
                write(t);
                int kind = t >>> COPY_KIND_SHIFT;
                long delta;
                boolean fromHistory = inHistory;
                if (kind == COPY_KIND_GEN) {
                    long lits = getInt(COUNT);
                    if (lits > plainLength - plainAt) {
                        throw bad(PacketFsException.Reason.BAD_CODING, lits + " literals exceed the plain length "
                                + plainLength);
                    }
                    writeUvarint(lits);
                    if (mode == MODE_STORED) {
                        storedLiterals((int) lits);
                    } else {
                        for (long k = 0; k < lits; k++) {
                            literal(mode);
                        }
                    }
                    int h = get(SOURCE);
                    long z;
                    if (h >= SOURCE_REPEAT) {
                        int k = h - SOURCE_REPEAT;
                        if (k >= repeatCount) {
                            throw bad(PacketFsException.Reason.BAD_CODING, "repeat " + k + " of a unit with "
                                    + repeatCount + " shifts so far");
                        }
                        long d = total + literalsOut + repeats[k] - poolCur;
                        z = d << 1 ^ d >> 63;
                        h = SOURCE_POOL;
                    } else {
                        z = getInt(h == SOURCE_POOL ? DELTA : DISTANCE);
                    }
                    writeUvarint(z << 1 | h);
                    fromHistory = h == SOURCE_HISTORY;
                    if (fromHistory) {
                        if (z >= COPY_HISTORY) {
                            throw PacketFsPoolDecoder.historyUnavailable(-1, "copies from " + (z + 1)
                                    + " bytes back, more than the " + COPY_HISTORY + " a receiver keeps");
                        }
                        delta = total + literalsOut - z - 1 - cur;
                    } else {
                        delta = poolCur - cur + (z >>> 1 ^ -(z & 1));
                    }
                } else if (kind == COPY_KIND_SUB || kind == COPY_KIND_INS) {
                    literal(mode);
                    delta = kind == COPY_KIND_SUB ? 1 : 0;
                } else {
                    delta = 1;
                }
                long len = t & COPY_LENGTH_MASK;
                if (len == COPY_LENGTH_EXTENDED) {
                    long e = getInt(LENGTH);
                    writeUvarint(e);
                    len += e;
                }
                long start = cur + delta;
                if (fromHistory) {
                    long outAt = total + literalsOut;
                    if (len > 0 && (start >= outAt || start < Math.max(-historyHeld, outAt - COPY_HISTORY))) {
                        throw PacketFsPoolDecoder.historyUnavailable(-1, PacketFsPoolDecoder.historyProblem(start,
                                outAt, -historyHeld) + " (plain offset " + commandAt + ")");
                    }
                    if (len > 0) {
                        last = 0; // the context after a copy of earlier output
                        lastAt = -1;
                    }
                } else {
                    if (start < 0 || start > poolSize || len > poolSize - start) {
                        throw bad(PacketFsException.Reason.REF_OUT_OF_POOL, "a copy of " + len + " bytes from "
                                + start + " lies outside the pool's " + poolSize + " bytes");
                    }
                    if (len > 0) {
                        lastAt = start + len - 1; // read when a pool-coded literal needs it
                        rememberRepeat(start - (total + literalsOut));
                    }
                }
                cur = start + len;
                inHistory = fromHistory;
                if (!fromHistory) {
                    poolCur = cur;
                }
                if (len > PacketFsCopyUnit.MAX_OUTPUT) {
                    throw bad(PacketFsException.Reason.REF_OUT_OF_POOL, "a copy of " + len + " bytes exceeds the "
                            + PacketFsCopyUnit.MAX_OUTPUT + " a unit may decode to");
                }
                total += len;
                if (total + literalsOut > PacketFsCopyUnit.MAX_OUTPUT) {
                    throw bad(PacketFsException.Reason.REF_OUT_OF_POOL, "the unit would decode to more than "
                            + PacketFsCopyUnit.MAX_OUTPUT + " bytes (the bound of docs/PROTOCOL.md 8.7)");
                }
            }
            total += literalsOut;
            if (litAt != litEnd) {
                throw bad(PacketFsException.Reason.BAD_CODING, (litEnd - litAt) + " stored literals left over");
            }
            if (x != RANS_LOW || at != end) {
                throw bad(PacketFsException.Reason.BAD_CODING, "the rANS stream ends in state "
                        + Integer.toUnsignedString(x) + " with " + (end - at) + " bytes left (expected 2^23 and 0)");
            }
            outputLength = total;
            return plainLength;
        } finally {
            in = null;
            plain = null;
        }
    }

    /**
     * Bytes the last unit {@link #decode}d stands for: its literals and copies, checked as the COPY decoder checks
     * a plain body (every copy inside the pool, at most 16 MiB in all), so that a plain body it made needs no
     * second check.
     */
    long outputLength() {
        return outputLength;
    }

    /** {@code n} stored literals at once (n is at most what is left of the plain length). */
    private void storedLiterals(int n) {
        if (n > litEnd - litAt) {
            throw tooFewStored();
        }
        if (n > plainLength - plainAt) {
            throw pastPlain(plainLength);
        }
        System.arraycopy(in, litAt, plain, plainAt, n);
        litAt += n;
        plainAt += n;
        literalsOut += n;
        if (n > 0) {
            last = plain[plainAt - 1] & 0xFF;
            lastAt = -1;
        }
    }

    private void literal(int mode) {
        int c;
        if (mode == MODE_POOL) {
            if (lastAt >= 0) {
                last = poolByte(lastAt);
                lastAt = -1;
            }
            c = get(literals.byContext[last]);
        } else if (litAt < litEnd) {
            c = in[litAt++] & 0xFF;
        } else {
            throw tooFewStored();
        }
        write(c);
        last = c;
        literalsOut++;
    }

    private int get(PacketFsCopyModel m) {
        int e = m.decode[x & PacketFsCopyModel.TOTAL - 1];
        x = (e >>> 8 & PacketFsCopyModel.TOTAL - 1) * (x >>> PacketFsCopyModel.SCALE_BITS) + (e >>> 20);
        renormalize();
        return e & 0xFF;
    }

    private int getBits(int k) {
        int shift = PacketFsCopyModel.SCALE_BITS - k;
        int slot = x & PacketFsCopyModel.TOTAL - 1;
        int v = slot >>> shift;
        x = (1 << shift) * (x >>> PacketFsCopyModel.SCALE_BITS) + slot - (v << shift);
        renormalize();
        return v;
    }

    private void renormalize() {
        while (x < RANS_LOW) {
            if (at >= end) {
                throw streamEnded();
            }
            x = x << 8 | in[at++] & 0xFF;
        }
    }

    private long getInt(PacketFsCopyModel m) {
        int s = get(m);
        if (s < 16) {
            return s;
        }
        int bits = s - 11 - 1;
        long v = 1L << bits;
        int first = bits & 7;
        if (first != 0) {
            bits -= first;
            v |= (long) getBits(first) << bits;
        }
        while (bits > 0) {
            bits -= 8;
            v |= (long) getBits(8) << bits;
        }
        return v;
    }

    private long headerUvarint() {
        long v = 0;
        for (int shift = 0, i = 0; i < 3; i++, shift += 7) {
            if (at >= end) {
                throw bad(PacketFsException.Reason.TRUNCATED, "a length in the header runs past the body");
            }
            int b = in[at++];
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw bad(PacketFsException.Reason.BAD_CODING, "a length in the header is longer than 3 bytes");
    }

    private void write(int b) {
        if (plainAt >= plainLength) {
            throw pastPlain(plainLength);
        }
        plain[plainAt++] = (byte) b;
    }

    private void writeUvarint(long v) {
        while ((v & ~0x7FL) != 0) {
            write((int) (v | 0x80) & 0xFF);
            v >>>= 7;
        }
        write((int) v);
    }

    // out of line, so that the per-symbol methods stay small enough to inline
    private static PacketFsException streamEnded() {
        return bad(PacketFsException.Reason.TRUNCATED, "the rANS stream ends inside a symbol");
    }

    private static PacketFsException tooFewStored() {
        return bad(PacketFsException.Reason.BAD_CODING, "the commands need more stored literals than the unit has");
    }

    private static PacketFsException pastPlain(int plainLength) {
        return bad(PacketFsException.Reason.BAD_CODING, "the commands run past the plain length " + plainLength);
    }

    private static PacketFsException bad(PacketFsException.Reason reason, String what) {
        return new PacketFsException(reason, "coded COPY unit: " + what + "; unit dropped (docs/PROTOCOL.md 8.8)");
    }
}
