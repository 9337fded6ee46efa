package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.internal.ObjectUtil;

import java.nio.ByteBuffer;

import static io.packetfs.codec.PacketFsConstants.MAX_RUN_COUNT;

/**
 * Turns bytes into references into a pool: finds the input's content in the pool, also at unaligned input
 * offsets, the way rsync matches against its basis file, and falls back to the L1 byte table. Greedy, one pass:
 *
 * <pre>
 *   at input position p, in this order, the first that matches wins:
 *   1. the L3 unit after the previous L3 match, compared directly       -&gt; L3 ref, p += l3UnitBytes
 *   2. the L3 unit whose hash equals the rolling hash of in[p, p+l3), verified against the pool bytes
 *   3. the L2 unit after the previous L2 match, then the L2 index (same, window l2UnitBytes)
 *                                                                        -&gt; L2 ref, p += l2UnitBytes
 *   4. otherwise                                                         -&gt; L1 ref of in[p] (keyed table), p += 1,
 *                                                                           both rolling hashes roll one byte
 *
 *   input  |..lit..|=== pool unit 812 ===|=== unit 813 ===|.lit.|== L2 unit 7 ==|...
 *   runs   [L1 x9 ] [L3 812 813         ]                 [L1 x5][L2 7 ...
 * </pre>
 *
 * References are collected into runs of one tier (at most 16,384 references; a run ends where the tier changes)
 * and handed to a {@link PacketFsPoolRunSink}. A match may span the chunks given to {@link #encode}: the encoder
 * copies input into its own buffer and keeps back a carry of fewer than {@code max(l3UnitBytes, l2UnitBytes)}
 * bytes that it cannot decide on yet; {@link #finish} encodes the carry and ends the open run. The references do
 * not depend on how the input was cut into chunks.
 *
 * <p>Reusable after {@link #finish} or {@link #reset}; not thread-safe (one per stream). Per reference it allocates
 * nothing; per run one {@link PacketFsRefs} from the allocator.
 */
public final class PacketFsPoolEncoder {

    /** Input bytes copied and scanned per step; the working buffer holds this plus the carry. */
    static final int SLICE = 256 * 1024;

    private final PacketFsPool pool;
    private final PacketFsPoolIndex index;
    private final ByteBufAllocator alloc;
    private final ByteBuffer[] chunks;
    private final byte[] l1Inverse;
    private final int w3;
    private final int w2;
    private final long l3Units;
    private final int l2Units;
    private final boolean l3On;
    private final boolean l2On;
    private final int lookahead;
    private final int pow3;
    private final int pow2;

    private byte[] buf;
    private ByteBuffer bufView;
    private int pos;
    private int end;

    private int h3;
    private boolean h3Valid;
    private int h2;
    private boolean h2Valid;
    private long next3 = -1;
    private int next2 = -1;

    private final byte[] run = new byte[MAX_RUN_COUNT * 4];
    private PacketFsTier runTier;
    private int runCount;
    private int runBytes;

    private long bytesIn;
    private final long[] refsOut = new long[3];
    private final long[] bytesMatched = new long[3];
    private long runsOut;

    /** An encoder for {@code pool} with its {@code index}, allocating runs from the default allocator. */
    public PacketFsPoolEncoder(PacketFsPool pool, PacketFsPoolIndex index) {
        this(pool, index, ByteBufAllocator.DEFAULT);
    }

    /** An encoder for {@code pool} with its {@code index}, allocating runs from {@code alloc}. */
    public PacketFsPoolEncoder(PacketFsPool pool, PacketFsPoolIndex index, ByteBufAllocator alloc) {
        this.pool = ObjectUtil.checkNotNull(pool, "pool");
        this.index = ObjectUtil.checkNotNull(index, "index");
        this.alloc = ObjectUtil.checkNotNull(alloc, "alloc");
        PacketFsPoolGeometry g = pool.geometry();
        if (!index.fits(g)) {
            throw new IllegalArgumentException("index " + index + " was not built for " + g);
        }
        this.chunks = pool.chunkDuplicates();
        this.l1Inverse = g.l1InverseShared();
        this.w3 = g.l3UnitBytes();
        this.w2 = g.l2UnitBytes();
        this.l3Units = pool.l3Units();
        this.l2Units = pool.l2Units();
        this.l3On = l3Units > 0;
        this.l2On = l2Units > 0;
        this.lookahead = Math.max(l3On ? w3 : 0, l2On ? w2 : 0);
        this.pow3 = index.l3Pow();
        this.pow2 = index.l2Pow();
        this.buf = new byte[SLICE + Math.max(w3, w2)];
        this.bufView = ByteBuffer.wrap(buf);
    }

    /** The pool. */
    public PacketFsPool pool() {
        return pool;
    }

    /**
     * Encodes every readable byte of {@code chunk} (advancing its reader index; the caller keeps ownership), handing
     * each completed run to {@code sink}. Up to {@code max(l3UnitBytes, l2UnitBytes) - 1} bytes may stay in the carry
     * and the last run stays open until a later call, {@link #flushRun} or {@link #finish}.
     */
    public void encode(ByteBuf chunk, PacketFsPoolRunSink sink) {
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

    /** Encodes the carry, hands the last run to {@code sink}; the encoder is then ready for a new stream. */
    public void finish(PacketFsPoolRunSink sink) {
        scan(sink, true);
        flushRun(sink);
        reset();
    }

    /** Hands the open run (if any) to {@code sink} now; the carry stays. */
    public void flushRun(PacketFsPoolRunSink sink) {
        if (runCount == 0) {
            return;
        }
        ByteBuf packed = alloc.buffer(runBytes, runBytes);
        packed.writeBytes(run, 0, runBytes);
        PacketFsTier tier = runTier;
        runCount = 0;
        runBytes = 0;
        runsOut++;
        sink.onRun(PacketFsRefs.wrap(tier, packed));
    }

    /** Drops the carry and the open run (nothing is handed on). */
    public void reset() {
        pos = 0;
        end = 0;
        h3Valid = false;
        h2Valid = false;
        next3 = -1;
        next2 = -1;
        runCount = 0;
        runBytes = 0;
    }

    /** Input bytes taken so far. */
    public long bytesIn() {
        return bytesIn;
    }

    /** References emitted so far of {@code tier}. */
    public long refsOut(PacketFsTier tier) {
        return refsOut[tier.index()];
    }

    /** Input bytes covered so far by references of {@code tier}. */
    public long bytesMatched(PacketFsTier tier) {
        return bytesMatched[tier.index()];
    }

    /** Runs handed to sinks so far. */
    public long runsOut() {
        return runsOut;
    }

    private void compact() {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, end - pos);
            end -= pos;
            pos = 0;
        }
    }

    private void scan(PacketFsPoolRunSink sink, boolean last) {
        final byte[] b = buf;
        final int e = end;
        final PacketFsPoolIndex idx = index;
        int p = pos;
        for (;;) {
            int avail = e - p;
            if (avail <= 0 || !last && avail < lookahead) {
                break;
            }
            if (l3On && avail >= w3) {
                if (next3 >= 0) {
                    long u = next3;
                    if (u < l3Units && poolEquals(b, p, u * w3, w3)) {
                        emit(sink, PacketFsTier.L3, (int) u, w3);
                        next3 = u + 1;
                        next2 = -1;
                        p = skip(b, p, w3, e);
                        continue;
                    }
                    next3 = -1;
                }
                if (!h3Valid) {
                    h3 = PacketFsPoolIndex.hash(b, p, w3);
                    h3Valid = true;
                }
                int c = idx.findL3(h3);
                if (c != -1) {
                    long u = c & 0xFFFF_FFFFL;
                    if (u < l3Units && poolEquals(b, p, u * w3, w3)) { // bound: the index may come from a cache
                        emit(sink, PacketFsTier.L3, c, w3);
                        next3 = u + 1;
                        next2 = -1;
                        p = skip(b, p, w3, e);
                        continue;
                    }
                }
            }
            if (l2On && avail >= w2) {
                if (next2 >= 0) {
                    int u = next2;
                    if (u < l2Units && poolEquals(b, p, (long) u * w2, w2)) {
                        emit(sink, PacketFsTier.L2, u, w2);
                        next2 = u + 1;
                        p = skip(b, p, w2, e);
                        continue;
                    }
                    next2 = -1;
                }
                if (!h2Valid) {
                    h2 = PacketFsPoolIndex.hash(b, p, w2);
                    h2Valid = true;
                }
                int c = idx.findL2(h2);
                if (c >= 0 && c < l2Units && poolEquals(b, p, (long) c * w2, w2)) {
                    emit(sink, PacketFsTier.L2, c, w2);
                    next2 = c + 1;
                    p = skip(b, p, w2, e);
                    continue;
                }
            }
            // literal: the L1 reference of in[p] through the inverse of the keyed table
            int out = b[p] & 0xFF;
            emit(sink, PacketFsTier.L1, l1Inverse[out] & 0xFF, 1);
            if (h3Valid) {
                if (avail > w3) {
                    h3 = h3 * PacketFsPoolIndex.BASE + (b[p + w3] & 0xFF) - out * pow3;
                } else {
                    h3Valid = false;
                }
            }
            if (h2Valid) {
                if (avail > w2) {
                    h2 = h2 * PacketFsPoolIndex.BASE + (b[p + w2] & 0xFF) - out * pow2;
                } else {
                    h2Valid = false;
                }
            }
            p++;
        }
        pos = p;
    }

    /** Moves past a match of {@code n} bytes at {@code p}, keeping a rolling hash when rolling is cheaper. */
    private int skip(byte[] b, int p, int n, int e) {
        if (h3Valid) {
            if (n < w3 && p + n + w3 <= e) {
                int h = h3;
                for (int i = p, stop = p + n; i < stop; i++) {
                    h = h * PacketFsPoolIndex.BASE + (b[i + w3] & 0xFF) - (b[i] & 0xFF) * pow3;
                }
                h3 = h;
            } else {
                h3Valid = false;
            }
        }
        if (h2Valid) {
            if (n < w2 && p + n + w2 <= e) {
                int h = h2;
                for (int i = p, stop = p + n; i < stop; i++) {
                    h = h * PacketFsPoolIndex.BASE + (b[i + w2] & 0xFF) - (b[i] & 0xFF) * pow2;
                }
                h2 = h;
            } else {
                h2Valid = false;
            }
        }
        return p + n;
    }

    private boolean poolEquals(byte[] b, int p, long off, int len) {
        ByteBuffer c = chunks[(int) (off >>> PacketFsPool.CHUNK_SHIFT)];
        int o = (int) (off & PacketFsPool.CHUNK_MASK);
        c.limit(o + len);
        c.position(o);
        ByteBuffer in = bufView;
        in.limit(p + len);
        in.position(p);
        return in.mismatch(c) < 0;
    }

    private void emit(PacketFsPoolRunSink sink, PacketFsTier tier, int ref, int covered) {
        if (runCount != 0 && (runTier != tier || runCount == MAX_RUN_COUNT)) {
            flushRun(sink);
        }
        runTier = tier;
        byte[] r = run;
        int at = runBytes;
        switch (tier) {
            case L1:
                r[at] = (byte) ref;
                runBytes = at + 1;
                break;
            case L2:
                r[at] = (byte) (ref >>> 8);
                r[at + 1] = (byte) ref;
                runBytes = at + 2;
                break;
            default:
                r[at] = (byte) (ref >>> 24);
                r[at + 1] = (byte) (ref >>> 16);
                r[at + 2] = (byte) (ref >>> 8);
                r[at + 3] = (byte) ref;
                runBytes = at + 4;
                break;
        }
        runCount++;
        refsOut[tier.index()]++;
        bytesMatched[tier.index()] += covered;
    }
}
