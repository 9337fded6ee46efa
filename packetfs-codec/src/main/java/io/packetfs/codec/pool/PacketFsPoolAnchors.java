package io.packetfs.codec.pool;

import io.netty.util.internal.ObjectUtil;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Where to look in the pool for a given 8 bytes: a table of buckets of {@value #WAYS} slots (one probe reads one
 * bucket, no chains) from a hash of the 8 bytes at every {@link #stride()}-th pool offset (an <em>anchor</em>) to
 * that offset. {@link PacketFsPoolEncoder} probes it with the 8 input bytes at a position, verifies the candidates
 * against the pool, keeps the one that goes furthest and extends the match both ways; an input that contains any
 * stretch of {@code stride + 7} pool bytes is found.
 *
 * <pre>
 *   pool    |a0......|a1......|a2......|...      anchors every stride bytes
 *   bucket  = (le64(pool[a, a+8)) * 0x9E3779B97F4A7C15) &gt;&gt;&gt; (64 - bits + 2)
 *   entry   = (anchor number + 1) &lt;&lt; 8 | 8 check bits of the same product   (0 = empty)
 * </pre>
 *
 * The check bits let a probe reject 255 of 256 wrong slots without touching the pool. A bucket keeps its
 * {@value #WAYS} latest anchors, newest first, so content that occurs several times in the pool (files that share
 * code, repeated records) keeps several places to choose from. Stride: 8 bytes for pools up to 32 MiB, doubling per
 * doubling of the pool up to 64 bytes (256 MiB), then 64 bytes up to 1 GiB and doubling above so that there are at
 * most 2^24 - 1 anchors. Size: 4 to 8 bytes per anchor, at most 2^25 slots (128 MiB). Built once per pool
 * ({@link PacketFsPool#anchors()}), read-only afterwards, so encoders on any thread share it. Not part of the wire.
 *
 * <p><b>Cache file</b> ({@link #loadOrBuild}): building is a random write per anchor into a table larger than the
 * caches (0.5-0.6 s for a 1 GiB pool on the 2-core CI machine, the largest part of a sender's start), reading it
 * back a sequential read. {@code "PFSANC02"}, the pool fingerprint (32 bytes), u32 stride shift, u32 table bits,
 * u64 anchors, then the table as big-endian u32s. A file that does not match the pool (fingerprint, the geometry
 * its size implies, length) is rebuilt and replaced; one that cannot be written is skipped.
 */
public final class PacketFsPoolAnchors {

    static final long MULTIPLIER = 0x9E3779B97F4A7C15L;
    static final int MIN_STRIDE_SHIFT = 3;
    static final int MAX_SMALL_POOL_STRIDE_SHIFT = 6;
    /** Pools of up to 2^(this + 3) bytes get the smallest stride. */
    static final int DENSE_ANCHORS_LOG = 22;
    /** Slots per bucket. */
    static final int WAYS = 4;
    static final int WAYS_SHIFT = 2;
    static final long MAX_ANCHORS = (1L << 24) - 1;
    static final int MAX_TABLE_BITS = 25;
    static final byte[] CACHE_MAGIC = {'P', 'F', 'S', 'A', 'N', 'C', '0', '2'};
    private static final int CACHE_HEAD = 8 + 32 + 4 + 4 + 8;

    private final int strideShift;
    private final int bits;
    private final int[] table;
    private final long anchors;

    private PacketFsPoolAnchors(int strideShift, int bits, int[] table, long anchors) {
        this.strideShift = strideShift;
        this.bits = bits;
        this.table = table;
        this.anchors = anchors;
    }

    /** Builds the table of {@code pool} (one pass, one 8-byte read per anchor). */
    public static PacketFsPoolAnchors build(PacketFsPool pool) {
        ObjectUtil.checkNotNull(pool, "pool");
        long size = pool.size();
        int shift = strideShift(size);
        long n = anchorCount(size, shift);
        int bits = tableBits(n);
        int[] table = new int[1 << bits];
        ByteBuffer[] chunks = pool.chunkDuplicates();
        for (int i = 0; i < chunks.length; i++) {
            chunks[i].order(ByteOrder.LITTLE_ENDIAN);
        }
        int bucketBits = bits - WAYS_SHIFT;
        for (long i = 0; i < n; i++) {
            long h = readLong(chunks, i << shift) * MULTIPLIER;
            int at = (int) (h >>> (64 - bucketBits)) << WAYS_SHIFT;
            // newest first: the bucket's entries move down one slot, the oldest drops out
            table[at + 3] = table[at + 2];
            table[at + 2] = table[at + 1];
            table[at + 1] = table[at];
            table[at] = (int) (i + 1) << 8 | (int) (h >>> (56 - bucketBits)) & 0xFF;
        }
        return new PacketFsPoolAnchors(shift, bits, table, n);
    }

    private static int strideShift(long size) {
        int log = 64 - Long.numberOfLeadingZeros(Math.max(1, size - 1)); // ceil(log2(size))
        int shift = Math.max(MIN_STRIDE_SHIFT, Math.min(MAX_SMALL_POOL_STRIDE_SHIFT, log - DENSE_ANCHORS_LOG));
        while (size >= 8 && ((size - 8) >>> shift) + 1 > MAX_ANCHORS) {
            shift++;
        }
        return shift;
    }

    private static long anchorCount(long size, int shift) {
        return size < 8 ? 0 : ((size - 8) >>> shift) + 1;
    }

    private static int tableBits(long anchors) {
        int bits = 4 + WAYS_SHIFT;
        while (bits < MAX_TABLE_BITS && (1L << bits) < 2 * anchors) {
            bits++;
        }
        return bits;
    }

    /**
     * The table of {@code pool}, read from {@code cacheFile} when that holds this pool's table, else built and
     * written there (atomically: a temporary file, then a rename).
     */
    public static PacketFsPoolAnchors loadOrBuild(PacketFsPool pool, Path cacheFile) {
        ObjectUtil.checkNotNull(pool, "pool");
        ObjectUtil.checkNotNull(cacheFile, "cacheFile");
        if (Files.isRegularFile(cacheFile)) {
            try {
                PacketFsPoolAnchors loaded = tryLoad(pool, cacheFile);
                if (loaded != null) {
                    return loaded;
                }
            } catch (IOException e) {
                // unreadable: built again below, and the file replaced
            }
        }
        PacketFsPoolAnchors built = build(pool);
        try {
            built.write(pool.fingerprint(), cacheFile);
        } catch (IOException e) {
            // the table works without its cache
        }
        return built;
    }

    private static PacketFsPoolAnchors tryLoad(PacketFsPool pool, Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(CACHE_HEAD);
            PacketFsPoolIndex.readFully(ch, head);
            head.flip();
            byte[] magic = new byte[CACHE_MAGIC.length];
            byte[] fp = new byte[32];
            head.get(magic).get(fp);
            int shift = head.getInt();
            int bits = head.getInt();
            long n = head.getLong();
            long size = pool.size();
            int expectedShift = strideShift(size);
            long expectedAnchors = anchorCount(size, expectedShift);
            if (!Arrays.equals(magic, CACHE_MAGIC) || !Arrays.equals(fp, pool.fingerprint()) || shift != expectedShift
                    || n != expectedAnchors || bits != tableBits(n)
                    || ch.size() != CACHE_HEAD + (4L << bits)) {
                return null;
            }
            return new PacketFsPoolAnchors(shift, bits, PacketFsPoolIndex.readInts(ch, 1 << bits), n);
        }
    }

    private void write(byte[] fingerprint, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer head = ByteBuffer.allocate(CACHE_HEAD);
            head.put(CACHE_MAGIC).put(fingerprint).putInt(strideShift).putInt(bits).putLong(anchors).flip();
            PacketFsPoolIndex.writeFully(ch, head);
            PacketFsPoolIndex.writeInts(ch, table);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Whether {@code other} has the same geometry and every slot the same (tests). */
    boolean sameTable(PacketFsPoolAnchors other) {
        return strideShift == other.strideShift && bits == other.bits && anchors == other.anchors
                && Arrays.equals(table, other.table);
    }

    /** The 8 bytes at pool offset {@code at} as a little-endian long; {@code at + 8} must not pass the pool's end. */
    static long readLong(ByteBuffer[] chunks, long at) {
        ByteBuffer c = chunks[(int) (at >>> PacketFsPool.CHUNK_SHIFT)];
        int o = (int) (at & PacketFsPool.CHUNK_MASK);
        if (o <= c.capacity() - 8) {
            return c.getLong(o);
        }
        long v = 0;
        for (int k = 7; k >= 0; k--) {
            long a = at + k;
            v = v << 8 | chunks[(int) (a >>> PacketFsPool.CHUNK_SHIFT)].get((int) (a & PacketFsPool.CHUNK_MASK)) & 0xFF;
        }
        return v;
    }

    /**
     * The anchor offsets whose 8 bytes may equal {@code word} (little-endian), newest first, into {@code out}
     * (room for {@value #WAYS}); returns how many. Candidates are only likely: the caller verifies them against the
     * pool.
     */
    public int find(long word, long[] out) {
        long h = word * MULTIPLIER;
        int bucketBits = bits - WAYS_SHIFT;
        int at = (int) (h >>> (64 - bucketBits)) << WAYS_SHIFT;
        int check = (int) (h >>> (56 - bucketBits)) & 0xFF;
        int n = 0;
        for (int k = 0; k < WAYS; k++) {
            int e = table[at + k];
            if (e == 0) {
                break;
            }
            if ((e & 0xFF) == check) {
                out[n++] = (long) ((e >>> 8) - 1) << strideShift;
            }
        }
        return n;
    }

    /** Bytes between anchors. */
    public int stride() {
        return 1 << strideShift;
    }

    /** Anchors hashed (some share a slot and are lost). */
    public long anchors() {
        return anchors;
    }

    /** Bytes of the table. */
    public long memoryBytes() {
        return 4L * table.length;
    }

    @Override
    public String toString() {
        return "PacketFsPoolAnchors(stride " + stride() + ", " + anchors + " anchors, " + table.length + " slots)";
    }
}
