package io.packetfs.codec.pool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes the fixed models of coded COPY units ({@link PacketFsCopyTables}, docs/PROTOCOL.md 8.8) from release pairs:
 * each NEW is encoded into plain units against its OLD as the pool, the symbols of every field are counted over all
 * pairs (each pair weighed alike: its counts scaled to the same total) and normalized by the rule that the receiver
 * applies to the pool's literals. Prints the Java arrays and the document's table.
 *
 * <pre>
 *   java -cp packetfs-codec.jar:netty-buffer.jar:netty-common.jar io.packetfs.codec.pool.PacketFsCopyTrainer \
 *       OLD1 NEW1 [OLD2 NEW2 ...]
 * </pre>
 */
public final class PacketFsCopyTrainer {

    private static final String[] NAMES = {"TOKEN", "COUNT", "DELTA", "LENGTH", "SOURCE", "DISTANCE"};
    private static final int[] SIZES = {256, PacketFsCopyCoder.INT_SYMBOLS, PacketFsCopyCoder.INT_SYMBOLS,
        PacketFsCopyCoder.INT_SYMBOLS, PacketFsCopyCoder.SOURCE_REPEAT + PacketFsCopyCoder.REPEATS,
        PacketFsCopyCoder.INT_SYMBOLS};

    private PacketFsCopyTrainer() {
    }

    /** Trains on the pairs named by {@code args} and prints the tables. */
    public static void main(String[] args) throws IOException {
        if (args.length < 2 || args.length % 2 != 0) {
            System.err.println("usage: PacketFsCopyTrainer OLD NEW [OLD NEW ...]");
            System.exit(2);
        }
        double[][] sum = new double[NAMES.length][];
        for (int i = 0; i < NAMES.length; i++) {
            sum[i] = new double[SIZES[i]];
        }
        for (int a = 0; a < args.length; a += 2) {
            long[][] counts = count(Path.of(args[a]), Path.of(args[a + 1]));
            for (int i = 0; i < NAMES.length; i++) {
                long total = 0;
                for (long c : counts[i]) {
                    total += c;
                }
                for (int s = 0; s < SIZES[i]; s++) {
                    sum[i][s] += total == 0 ? 0 : (double) counts[i][s] / total;
                }
            }
        }
        for (int i = 0; i < NAMES.length; i++) {
            long[] c = new long[SIZES[i]];
            for (int s = 0; s < c.length; s++) {
                c[s] = Math.round(sum[i][s] * 1e9);
            }
            PacketFsCopyModel m = PacketFsCopyModel.normalized(c);
            StringBuilder java = new StringBuilder("    static final int[] " + NAMES[i] + " = {\n");
            for (int s = 0; s < m.symbols; s += 16) {
                java.append("           ");
                for (int k = s; k < Math.min(m.symbols, s + 16); k++) {
                    java.append(' ').append(m.freq[k]).append(',');
                }
                java.append('\n');
            }
            System.out.println(java.append("    };\n"));
        }
    }

    /** Symbol counts of the fixed-model fields when NEW is encoded plain against OLD. */
    static long[][] count(Path old, Path nu) throws IOException {
        long[][] counts = new long[NAMES.length][];
        for (int i = 0; i < NAMES.length; i++) {
            counts[i] = new long[SIZES[i]];
        }
        byte[] in = Files.readAllBytes(nu);
        try (PacketFsPool pool = PacketFsPool.open(old, PacketFsPoolGeometry.DEFAULT)) {
            PacketFsPoolEncoder encoder = new PacketFsPoolEncoder(pool, UnpooledByteBufAllocator.DEFAULT,
                    PacketFsPoolEncoder.DEFAULT_MAX_BODY, false);
            PacketFsCopyCoder coder = new PacketFsCopyCoder(pool, true);
            byte[] plain = new byte[PacketFsCopyCoder.MAX_PLAIN];
            PacketFsPoolCopySink sink = unit -> {
                try {
                    ByteBuf b = unit.content();
                    int n = b.readableBytes();
                    b.getBytes(b.readerIndex(), plain, 0, n);
                    coder.count(plain, n, counts);
                } finally {
                    unit.release();
                }
            };
            encoder.encode(Unpooled.wrappedBuffer(in), sink);
            encoder.finish(sink);
        }
        return counts;
    }
}
