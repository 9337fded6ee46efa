package io.packetfs.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolCopySink;
import io.packetfs.codec.pool.PacketFsPoolEncoder;
import io.packetfs.codec.pool.PacketFsPoolGeometry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;

/**
 * Where the pool coder's literals could have come from: NEW is encoded against OLD (plain units,
 * docs/PROTOCOL.md 8.7), and each literal byte is looked up, greedily and in order, as the start of a match of at
 * least {@code MIN} bytes (default 6) in three places a receiver also holds: the last 64 KiB of NEW before it (the
 * output already sent), the pool within 64 KiB of the cursor, and the pool anywhere (a hash of MIN bytes, the last
 * place of each). A match covers the literal bytes it spans. This is the measure behind "history references" in
 * issue 14's notes; it finds no more than a hash of one candidate per gram does, so the figures are lower bounds.
 * <pre>
 *   java -cp packetfs-benchmarks/target/packetfs-benchmarks-jmh.jar io.packetfs.benchmarks.PoolLiteralReport \
 *       OLD NEW [MIN]
 * </pre>
 */
public final class PoolLiteralReport {

    private static final int WINDOW = 1 << 16;
    private static final int HASH_BITS = 22;
    private static final int LONGEST = 4096;

    private PoolLiteralReport() {
    }

    /** Prints the literal bytes of NEW's parse and how many of them each source would cover. */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: PoolLiteralReport OLD NEW [MIN]");
            System.exit(2);
        }
        Path oldPath = Paths.get(args[0]);
        byte[] old = Files.readAllBytes(oldPath);
        byte[] in = Files.readAllBytes(Paths.get(args[1]));
        int min = args.length > 2 ? Integer.parseInt(args[2]) : 6;
        boolean[] literal = new boolean[in.length];
        long[] cursorAt = new long[in.length];
        try (PacketFsPool pool = PacketFsPool.open(oldPath, PacketFsPoolGeometry.DEFAULT)) {
            PacketFsPoolEncoder encoder = new PacketFsPoolEncoder(pool, UnpooledByteBufAllocator.DEFAULT,
                    PacketFsPoolEncoder.DEFAULT_MAX_BODY, false);
            Parse parse = new Parse(literal, cursorAt);
            PacketFsPoolCopySink sink = unit -> {
                try {
                    parse.unit(unit.content());
                } finally {
                    unit.release();
                }
            };
            encoder.encode(Unpooled.wrappedBuffer(in), sink);
            encoder.finish(sink);
        }
        int[] history = new int[1 << HASH_BITS];
        int[] anywhere = new int[1 << HASH_BITS];
        Arrays.fill(history, -1);
        Arrays.fill(anywhere, -1);
        for (int i = 0; i + min <= old.length; i++) {
            anywhere[hash(old, i, min)] = i;
        }
        long literals = 0;
        long fromHistory = 0;
        long fromNear = 0;
        long fromFar = 0;
        for (int i = 0; i < in.length; ) {
            if (!literal[i] || i + min > in.length) {
                literals += literal[i] ? 1 : 0;
                remember(history, in, i++, min);
                continue;
            }
            int h = hash(in, i, min);
            int best = 0;
            int source = 0;
            int c = history[h];
            if (c >= 0 && i - c <= WINDOW) {
                best = matchLength(in, c, in, i);
                source = 1;
            }
            int q = anywhere[h];
            if (q >= 0) {
                int l = matchLength(old, q, in, i);
                if (l > best) {
                    best = l;
                    source = Math.abs(q - cursorAt[i]) <= WINDOW ? 2 : 3;
                }
            }
            if (best < min) {
                literals++;
                remember(history, in, i++, min);
                continue;
            }
            for (int end = i + best; i < end; i++) {
                if (literal[i]) {
                    literals++;
                    if (source == 1) {
                        fromHistory++;
                    } else if (source == 2) {
                        fromNear++;
                    } else {
                        fromFar++;
                    }
                }
                remember(history, in, i, min);
            }
        }
        System.out.printf("matches of %d+ bytes: %,d literal bytes; covered from the last 64 KiB of NEW %,d, from the"
                + " pool within 64 KiB of the cursor %,d, from the pool elsewhere %,d%n", min, literals, fromHistory,
                fromNear, fromFar);
    }

    private static void remember(int[] table, byte[] b, int i, int n) {
        if (i + n <= b.length) {
            table[hash(b, i, n)] = i;
        }
    }

    private static int hash(byte[] b, int i, int n) {
        long v = 0;
        for (int k = 0; k < n; k++) {
            v = v * 0x100000001B3L + (b[i + k] & 0xFF);
        }
        return (int) (v * 0x9E3779B97F4A7C15L >>> 64 - HASH_BITS);
    }

    private static int matchLength(byte[] a, int i, byte[] b, int j) {
        int l = 0;
        while (i + l < a.length && j + l < b.length && a[i + l] == b[j + l] && l < LONGEST) {
            l++;
        }
        return l;
    }

    /**
     * Walks plain COPY bodies (docs/PROTOCOL.md 8.7): marks NEW's literal bytes and the pool cursor at each (a GEN's
     * source names the pool by a delta from the pool cursor, or the stream's earlier output by a distance).
     */
    private static final class Parse {
        private final boolean[] literal;
        private final long[] cursorAt;
        private long out;
        private int at;

        Parse(boolean[] literal, long[] cursorAt) {
            this.literal = literal;
            this.cursorAt = cursorAt;
        }

        void unit(ByteBuf body) {
            at = body.readerIndex();
            int end = body.writerIndex();
            long poolCursor = uvarint(body);
            long cursor = poolCursor;
            boolean history = false;
            while (at < end) {
                int t = body.getUnsignedByte(at++);
                int kind = t >>> 6;
                long delta;
                int lits;
                if (kind == 3) {
                    lits = (int) uvarint(body);
                    at += lits;
                    long source = uvarint(body);
                    long z = source >>> 1;
                    history = (source & 1) != 0;
                    // a history copy's place is a stream position; only the pool cursor matters here
                    cursor = history ? out + lits - z - 1 : poolCursor;
                    delta = history ? 0 : z >>> 1 ^ -(z & 1);
                } else if (kind == 2) {
                    lits = 0;
                    delta = 1;
                } else {
                    lits = 1;
                    at++;
                    delta = kind == 0 ? 1 : 0;
                }
                for (int k = 0; k < lits; k++) {
                    literal[(int) out] = true;
                    cursorAt[(int) out++] = poolCursor;
                }
                long len = t & 63;
                if (len == 63) {
                    len += uvarint(body);
                }
                cursor += delta + len;
                if (!history) {
                    poolCursor = cursor;
                }
                out += len;
            }
        }

        private long uvarint(ByteBuf b) {
            long v = 0;
            for (int shift = 0; ; shift += 7) {
                int x = b.getByte(at++);
                v |= (long) (x & 0x7F) << shift;
                if (x >= 0) {
                    return v;
                }
            }
        }
    }
}
