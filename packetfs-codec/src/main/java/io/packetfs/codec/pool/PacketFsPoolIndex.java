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
 * An index of a pool's L2 and L3 units, for senders of runs of L2/L3 references (version 0.1's reference sender
 * used it; {@link PacketFsPoolEncoder} now sends COPY units and finds pool data with {@link PacketFsPoolAnchors}
 * instead, so it does not need this index): the weak rolling hash of every L3 unit of the pool and of every L2 unit
 * of the L2 region, each in an open-addressing table (linear probing) from hash to unit. The encoder rolls the same hash over
 * its input (window = unit size) and verifies each candidate by comparing bytes with the pool, so a hash collision
 * costs a comparison, never a wrong reference. Immutable and thread-safe once built; build it once per pool.
 *
 * <p><b>Hash</b>: a polynomial over the unit's bytes mod 2^32, {@code h = sum b[i] * B^(w-1-i)} with
 * {@code B = 0x9E3779B1}, rolled as {@code h' = h * B + in - out * B^w}. A slot is the top bits of
 * {@code h * 0x85EBCA6B}.
 *
 * <p><b>Memory</b>: one slot is 8 bytes (the 32-bit hash and the unit + 1, interleaved in one {@code int[]}); a table
 * has {@code nextPow2(2 * units)} slots, so 16 to 32 bytes per indexed unit, plus a one-hash Bloom filter in front
 * of each table of 16 bits (2 bytes) per unit, at most 2 MiB per table. With the default geometry: at most
 * 32 bytes per KiB of pool for L3 (3.1 %; 1 to 2 MiB for a 64 MiB pool) plus at most 1 MiB for L2. A pool of more
 * than {@value #MAX_INDEXED_UNITS} L3 units (256 GiB with 1 KiB units) is indexed every {@code stride}-th unit, which
 * keeps the table at most 4 GiB: a matching region is found at its first indexed unit, and the encoder follows it
 * unit by unit from there without the index.
 *
 * <p>Units with the same hash (identical content, such as runs of zeros, or a rare collision) keep the first one.
 *
 * <p><b>Cache file</b> ({@link #loadOrBuild}): {@code "PFSIDX01"}, the pool fingerprint (32 bytes), then
 * u32 L3 stride, u32 L3 table ints, u32 L2 table ints, and the two tables as big-endian u32s. A file whose
 * fingerprint differs is rebuilt and replaced.
 */
public final class PacketFsPoolIndex {

    /** Rolling hash base (odd). */
    static final int BASE = 0x9E3779B1;
    static final int SLOT_MIX = 0x85EBCA6B;
    static final int FILTER_MIX = 0xC2B2AE35;
    /** L3 units indexed at most; above this, every stride-th unit. */
    public static final long MAX_INDEXED_UNITS = 1L << 28;

    static final byte[] CACHE_MAGIC = {'P', 'F', 'S', 'I', 'D', 'X', '0', '1'};

    private final int l3Stride;
    private final int[] l3Table;
    private final int l3Shift;
    private final int l3Mask;
    private final int[] l2Table;
    private final int l2Shift;
    private final int l2Mask;
    private final int l3Pow;
    private final int l2Pow;
    private final int l3UnitBytes;
    private final int l2UnitBytes;
    private final long[] l3Filter;
    private final int l3FilterShift;
    private final long[] l2Filter;
    private final int l2FilterShift;

    private PacketFsPoolIndex(PacketFsPoolGeometry g, int l3Stride, int[] l3Table, int[] l2Table) {
        this.l3Stride = l3Stride;
        this.l3Table = l3Table;
        this.l2Table = l2Table;
        int l3Slots = l3Table.length >>> 1;
        int l2Slots = l2Table.length >>> 1;
        this.l3Shift = 32 - Integer.numberOfTrailingZeros(l3Slots);
        this.l3Mask = l3Slots - 1;
        this.l2Shift = 32 - Integer.numberOfTrailingZeros(l2Slots);
        this.l2Mask = l2Slots - 1;
        this.l3UnitBytes = g.l3UnitBytes();
        this.l2UnitBytes = g.l2UnitBytes();
        this.l3Pow = pow(BASE, l3UnitBytes);
        this.l2Pow = pow(BASE, l2UnitBytes);
        this.l3Filter = filter(l3Table);
        this.l3FilterShift = 32 - Integer.numberOfTrailingZeros(l3Filter.length * 64);
        this.l2Filter = filter(l2Table);
        this.l2FilterShift = 32 - Integer.numberOfTrailingZeros(l2Filter.length * 64);
    }

    /**
     * A one-hash Bloom filter of a table's hashes: 16 bits per indexed unit (2^10 to 2^24 bits), so that most
     * positions of input that is not in the pool are turned away by one cache-resident bit instead of a probe.
     */
    private static long[] filter(int[] table) {
        int entries = 0;
        for (int i = 1; i < table.length; i += 2) {
            if (table[i] != 0) {
                entries++;
            }
        }
        int bits = (int) Math.min(1 << 24, Math.max(1 << 10, Long.highestOneBit(Math.max(1, entries) * 16L) << 1));
        long[] f = new long[bits / 64];
        int shift = 32 - Integer.numberOfTrailingZeros(bits);
        for (int i = 0; i < table.length; i += 2) {
            if (table[i + 1] != 0) {
                int bit = (table[i] * FILTER_MIX) >>> shift;
                f[bit >>> 6] |= 1L << bit;
            }
        }
        return f;
    }

    /** Builds the index of {@code pool}: reads every unit once. */
    public static PacketFsPoolIndex build(PacketFsPool pool) {
        ObjectUtil.checkNotNull(pool, "pool");
        PacketFsPoolGeometry g = pool.geometry();
        long units = pool.l3Units();
        int stride = (int) Math.max(1, (units + MAX_INDEXED_UNITS - 1) / MAX_INDEXED_UNITS);
        int[] l3 = newTable((units + stride - 1) / stride);
        int[] l2 = newTable(pool.l2Units());
        ByteBuffer[] chunks = pool.chunkDuplicates();
        byte[] scratch = new byte[Math.max(g.l3UnitBytes(), g.l2UnitBytes())];
        fill(l3, chunks, g.l3UnitBytes(), units, stride, scratch);
        fill(l2, chunks, g.l2UnitBytes(), pool.l2Units(), 1, scratch);
        return new PacketFsPoolIndex(g, stride, l3, l2);
    }

    /**
     * Loads the index from {@code cacheFile} if it was built for this pool (same fingerprint), else builds it and
     * writes the cache (atomically; a write failure only loses the cache).
     */
    public static PacketFsPoolIndex loadOrBuild(PacketFsPool pool, Path cacheFile) throws IOException {
        byte[] fp = pool.fingerprint();
        if (Files.isRegularFile(cacheFile)) {
            PacketFsPoolIndex loaded = tryLoad(pool.geometry(), fp, cacheFile);
            if (loaded != null) {
                return loaded;
            }
        }
        PacketFsPoolIndex index = build(pool);
        try {
            index.write(fp, cacheFile);
        } catch (IOException ignored) {
            // the index works without its cache
        }
        return index;
    }

    private static PacketFsPoolIndex tryLoad(PacketFsPoolGeometry g, byte[] fp, Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(CACHE_MAGIC.length + 32 + 12);
            readFully(ch, head);
            head.flip();
            byte[] magic = new byte[CACHE_MAGIC.length];
            byte[] got = new byte[32];
            head.get(magic).get(got);
            if (!Arrays.equals(magic, CACHE_MAGIC) || !Arrays.equals(got, fp)) {
                return null;
            }
            int stride = head.getInt();
            int l3Ints = head.getInt();
            int l2Ints = head.getInt();
            if (stride < 1 || !validTableInts(l3Ints) || !validTableInts(l2Ints)
                    || ch.size() != head.capacity() + 4L * l3Ints + 4L * l2Ints) {
                return null;
            }
            int[] l3 = readInts(ch, l3Ints);
            int[] l2 = readInts(ch, l2Ints);
            return new PacketFsPoolIndex(g, stride, l3, l2);
        }
    }

    private static boolean validTableInts(int n) {
        return n >= 4 && Integer.bitCount(n) == 1;
    }

    static int[] readInts(FileChannel ch, int n) throws IOException {
        int[] a = new int[n];
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        int done = 0;
        while (done < n) {
            buf.clear().limit(Math.min(buf.capacity(), (n - done) * 4));
            readFully(ch, buf);
            buf.flip();
            int k = buf.remaining() / 4;
            buf.asIntBuffer().get(a, done, k);
            done += k;
        }
        return a;
    }

    static void readFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new IOException("cache file ends early");
            }
        }
    }

    private void write(byte[] fp, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer head = ByteBuffer.allocate(CACHE_MAGIC.length + 32 + 12);
            head.put(CACHE_MAGIC).put(fp).putInt(l3Stride).putInt(l3Table.length).putInt(l2Table.length).flip();
            writeFully(ch, head);
            writeInts(ch, l3Table);
            writeInts(ch, l2Table);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static void writeInts(FileChannel ch, int[] a) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.BIG_ENDIAN);
        for (int done = 0; done < a.length; ) {
            buf.clear();
            int k = Math.min(buf.capacity() / 4, a.length - done);
            buf.asIntBuffer().put(a, done, k);
            buf.limit(k * 4);
            writeFully(ch, buf);
            done += k;
        }
    }

    static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private static int[] newTable(long units) {
        long slots = Math.max(2, Long.highestOneBit(Math.max(1, units * 2 - 1)) << 1);
        if (slots > 1L << 29) {
            throw new IllegalArgumentException(units + " units are too many for one index table");
        }
        return new int[(int) slots * 2];
    }

    private static void fill(int[] table, ByteBuffer[] chunks, int unitBytes, long units, int stride, byte[] scratch) {
        int slots = table.length >>> 1;
        int shift = 32 - Integer.numberOfTrailingZeros(slots);
        int mask = slots - 1;
        for (long u = 0; u < units; u += stride) {
            if (u == 0xFFFF_FFFFL) {
                break; // unit + 1 would read as an empty slot
            }
            long at = u * unitBytes;
            ByteBuffer c = chunks[(int) (at >>> PacketFsPool.CHUNK_SHIFT)];
            c.limit(c.capacity()).position((int) (at & PacketFsPool.CHUNK_MASK));
            c.get(scratch, 0, unitBytes);
            int h = hash(scratch, 0, unitBytes);
            int s = (h * SLOT_MIX) >>> shift;
            for (;;) {
                int stored = table[2 * s + 1];
                if (stored == 0) {
                    table[2 * s] = h;
                    table[2 * s + 1] = (int) (u + 1);
                    break;
                }
                if (table[2 * s] == h) {
                    break; // keep the first unit with this hash
                }
                s = (s + 1) & mask;
            }
        }
    }

    /** The polynomial hash of {@code b[off .. off + len)}. */
    static int hash(byte[] b, int off, int len) {
        int h = 0;
        for (int i = off, end = off + len; i < end; i++) {
            h = h * BASE + (b[i] & 0xFF);
        }
        return h;
    }

    static int pow(int base, int exp) {
        int r = 1;
        for (int i = 0; i < exp; i++) {
            r *= base;
        }
        return r;
    }

    /** An L3 unit (unsigned, in an int) whose hash is {@code h}, or -1 (an L3 unit 0xFFFFFFFF is never indexed). */
    int findL3(int h) {
        int bit = (h * FILTER_MIX) >>> l3FilterShift;
        if ((l3Filter[bit >>> 6] & (1L << bit)) == 0) {
            return -1;
        }
        int[] t = l3Table;
        int s = (h * SLOT_MIX) >>> l3Shift;
        for (;;) {
            int stored = t[2 * s + 1];
            if (stored == 0) {
                return -1;
            }
            if (t[2 * s] == h) {
                return stored - 1;
            }
            s = (s + 1) & l3Mask;
        }
    }

    /** An L2 unit whose hash is {@code h}, or -1. */
    int findL2(int h) {
        int bit = (h * FILTER_MIX) >>> l2FilterShift;
        if ((l2Filter[bit >>> 6] & (1L << bit)) == 0) {
            return -1;
        }
        int[] t = l2Table;
        int s = (h * SLOT_MIX) >>> l2Shift;
        for (;;) {
            int stored = t[2 * s + 1];
            if (stored == 0) {
                return -1;
            }
            if (t[2 * s] == h) {
                return stored - 1;
            }
            s = (s + 1) & l2Mask;
        }
    }

    /** {@code B^l3UnitBytes}, for rolling the L3 hash. */
    int l3Pow() {
        return l3Pow;
    }

    /** {@code B^l2UnitBytes}, for rolling the L2 hash. */
    int l2Pow() {
        return l2Pow;
    }

    /** Whether this index was built for the geometry {@code g} (unit sizes). */
    boolean fits(PacketFsPoolGeometry g) {
        return g.l3UnitBytes() == l3UnitBytes && g.l2UnitBytes() == l2UnitBytes;
    }

    /** Every stride-th L3 unit is indexed (1 up to {@link #MAX_INDEXED_UNITS} units). */
    public int l3Stride() {
        return l3Stride;
    }

    /** Bytes of memory held by the two tables and their filters. */
    public long memoryBytes() {
        return 4L * l3Table.length + 4L * l2Table.length + 8L * l3Filter.length + 8L * l2Filter.length;
    }

    /** Bytes of the cache file's tables (the filters are rebuilt on load). */
    long tableBytes() {
        return 4L * l3Table.length + 4L * l2Table.length;
    }

    @Override
    public String toString() {
        return "PacketFsPoolIndex(L3 slots " + (l3Table.length >>> 1) + ", stride " + l3Stride + ", L2 slots "
                + (l2Table.length >>> 1) + ", " + memoryBytes() + " bytes)";
    }
}
