package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.ObjectUtil;

import java.nio.ByteBuffer;

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
 * A run with a reference at or beyond the pool's unit count of its tier is checked before anything is copied: the
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
    private final byte[] l1In = new byte[L1_BLOCK];
    private final byte[] l1Out = new byte[L1_BLOCK];

    private long refsRejected;
    private long runsRejected;
    private long bytesOut;

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

    /** Bytes appended so far. */
    public long bytesOut() {
        return bytesOut;
    }
}
