package io.packetfs.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsPool;
import io.packetfs.codec.PacketFsPoolEncoder;
import io.packetfs.codec.PacketFsPoolGeometry;
import io.packetfs.codec.PacketFsPoolIndex;
import io.packetfs.codec.PacketFsPoolWireMeter;

/**
 * Wire bytes / input bytes (no timing) of the pool codec for several geometries, beside zstd with the pool as
 * dictionary (digested once, and loaded per call), on the inputs of {@link PoolInputs}. Run:
 * {@code java -cp packetfs-benchmarks/target/packetfs-benchmarks-jmh.jar io.packetfs.benchmarks.PoolWireReport}.
 */
public final class PoolWireReport {

    private PoolWireReport() {
    }

    /** Prints one line per scenario and geometry. */
    public static void main(String[] args) {
        long poolBytes0 = args.length > 0 ? Long.parseLong(args[0]) << 20 : PoolInputs.POOL_BYTES;
        String[] scenarios = {"inPool", "edited1pct", "edited:0.001", "edited:0.0001", "random"};
        int[][] geometries = {{64, 1024}, {16, 256}, {32, 512}, {64, 4096}, {256, 16384}};
        PacketFsPool base = PacketFsPool.synthetic(poolBytes0, PoolInputs.POOL_SEED,
                PacketFsPoolGeometry.DEFAULT);
        byte[] poolBytes = new byte[(int) base.size()];
        base.getBytes(0, poolBytes);
        try (PoolZstd z1 = new PoolZstd(poolBytes, 1, false); PoolZstd z3 = new PoolZstd(poolBytes, 3, false);
             PoolZstd l1 = new PoolZstd(poolBytes, 1, true); PoolZstd l3 = new PoolZstd(poolBytes, 3, true)) {
            System.out.println("pool " + poolBytes0 + " B");
            System.out.println("scenario        input B    zstd-1        zstd-3        zstd-1 fresh"
                    + "| +LDM: zstd-1  zstd-3  zstd-1 fresh  zstd-3 fresh "
                    + "| pfs L2unit/L3unit: wire ratio (L3 share of input)");
            for (String s : scenarios) {
                byte[] in = PoolInputs.input(base, s);
                byte[] dst = new byte[in.length + in.length / 100 + 4096];
                StringBuilder line = new StringBuilder(String.format("%-14s %9d    %.6f      %.6f      %.6f   |",
                        s, in.length, (double) z1.compress(in, dst) / in.length,
                        (double) z3.compress(in, dst) / in.length, (double) z1.rawCompress(in, dst) / in.length));
                line.append(String.format("  %.6f  %.6f  %.6f  %.6f |", (double) l1.compress(in, dst) / in.length,
                        (double) l3.compress(in, dst) / in.length, (double) l1.rawCompress(in, dst) / in.length,
                        (double) l3.rawCompress(in, dst) / in.length));
                for (int[] g : geometries) {
                    PacketFsPoolGeometry geo = PacketFsPoolGeometry.builder().l2UnitBytes(g[0])
                            .l2RegionBytes(Math.min(4L << 20, 65_536L * g[0])).l3UnitBytes(g[1]).build();
                    try (PacketFsPool p = PacketFsPool.synthetic(poolBytes0, PoolInputs.POOL_SEED, geo)) {
                        PacketFsPoolEncoder e = new PacketFsPoolEncoder(p, PacketFsPoolIndex.build(p));
                        PacketFsPoolWireMeter m = new PacketFsPoolWireMeter(PacketFsConfig.DEFAULT);
                        ByteBuf buf = Unpooled.wrappedBuffer(in);
                        e.encode(buf, m);
                        e.finish(m);
                        m.closeWindow();
                        buf.release();
                        line.append(String.format(" %d/%d: %.6f (%.3f)", g[0], g[1],
                                (double) m.wireBytes() / in.length,
                                (double) e.bytesMatched(io.packetfs.codec.PacketFsTier.L3) / in.length));
                    }
                }
                System.out.println(line);
            }
        }
        base.close();
    }
}
