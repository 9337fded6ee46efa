package io.packetfs.codec.pool;

import java.nio.ByteBuffer;

/**
 * The literal model of coded COPY units (docs/PROTOCOL.md 8.8): an order-1 model of the pool's own bytes, which
 * both peers hold, so it costs nothing on the wire and every unit decodes on its own. For each previous byte
 * {@code c}, the distribution of the byte after {@code c} in the pool; a context the pool shows fewer than
 * {@value #MIN_CONTEXT} times uses the order-0 distribution of the pool's bytes.
 *
 * <pre>
 *   pool   | 64 KiB block | . | . | 64 KiB block | . | . | ...   every k-th block, k = ceil(size / 64 MiB)
 *   counts  pairs (b[i-1], b[i]) inside each counted block; bytes b[i] for order 0
 * </pre>
 *
 * Built once per pool ({@link PacketFsPool#literalModel()}): one pass over at most 64 MiB (0.05-0.14 s for the 10-48
 * MB pools of PoolDeltaReport), about 19 KiB of tables per context that has its own (up to 256, so under 5 MiB; the
 * rest share the order-0 tables).
 */
final class PacketFsLiteralModel {

    /** Bytes per sampled block. */
    static final int BLOCK = 64 * 1024;
    /** Pool bytes sampled at most: larger pools count every k-th block. */
    static final long SAMPLE = 64L * 1024 * 1024;
    /** A context needs this many pairs to get its own distribution. */
    static final int MIN_CONTEXT = 1024;

    /** The model of each previous byte. */
    final PacketFsCopyModel[] byContext = new PacketFsCopyModel[256];
    /** Contexts with a distribution of their own. */
    final int ownContexts;

    private PacketFsLiteralModel(long[] order0, long[][] order1) {
        long total = 0;
        for (long c : order0) {
            total += c;
        }
        PacketFsCopyModel zero = total == 0 ? PacketFsCopyModel.uniform(256) : PacketFsCopyModel.normalized(order0);
        int own = 0;
        for (int c = 0; c < 256; c++) {
            long n = 0;
            for (long k : order1[c]) {
                n += k;
            }
            if (n >= MIN_CONTEXT) {
                byContext[c] = PacketFsCopyModel.normalized(order1[c]);
                own++;
            } else {
                byContext[c] = zero;
            }
        }
        this.ownContexts = own;
    }

    /** Counts the pool's bytes by the rule above and builds the model. */
    static PacketFsLiteralModel build(PacketFsPool pool) {
        long size = pool.size();
        long blocks = (size + BLOCK - 1) / BLOCK;
        long every = Math.max(1, (size + SAMPLE - 1) / SAMPLE);
        long[] order0 = new long[256];
        long[][] order1 = new long[256][256];
        byte[] b = new byte[BLOCK];
        ByteBuffer[] chunks = pool.chunkDuplicates();
        for (long i = 0; i < blocks; i += every) {
            long off = i * BLOCK;
            int n = (int) Math.min(BLOCK, size - off);
            chunks[(int) (off >>> PacketFsPool.CHUNK_SHIFT)].get((int) (off & PacketFsPool.CHUNK_MASK), b, 0, n);
            int prev = b[0] & 0xFF;
            order0[prev]++;
            for (int k = 1; k < n; k++) {
                int c = b[k] & 0xFF;
                order0[c]++;
                order1[prev][c]++;
                prev = c;
            }
        }
        return new PacketFsLiteralModel(order0, order1);
    }
}
