package io.packetfs.codec.pool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.packetfs.codec.PacketFsConfig;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Shared helpers of the pool tests: a small geometry, pools, inputs, and an encode / decode round trip. Public for the
 * tests of other modules (packetfs-metrics), through the codec's test-jar.
 */
public final class PacketFsPoolTestSupport {

    /** Small units so that small pools exercise every tier: L2 16 B units of the first 4 KiB, L3 128 B units. */
    public static final PacketFsPoolGeometry SMALL = PacketFsPoolGeometry.builder().l1Key(0x5EED).l2UnitBytes(16)
            .l2RegionBytes(4096).l3UnitBytes(128).build();

    private PacketFsPoolTestSupport() {
    }

    static byte[] random(long seed, int n) {
        byte[] a = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            a[i] = (byte) r.nextInt(256);
        }
        return a;
    }

    public static byte[] slice(PacketFsPool pool, long from, int n) {
        byte[] a = new byte[n];
        pool.getBytes(from, a);
        return a;
    }

    /** {@code src} with {@code edits} random insertions, deletions and replacements of 1..maxLen bytes. */
    static byte[] edit(byte[] src, long seed, int edits, int maxLen) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] at = new int[edits];
        for (int i = 0; i < edits; i++) {
            at[i] = r.nextInt(src.length);
        }
        Arrays.sort(at);
        ByteArrayOutputStream out = new ByteArrayOutputStream(src.length + edits * maxLen);
        int from = 0;
        for (int p : at) {
            if (p < from) {
                continue;
            }
            out.write(src, from, p - from);
            int len = 1 + r.nextInt(maxLen);
            switch (r.nextInt(3)) {
                case 0: // insertion
                    out.writeBytes(random(r.nextLong(), len));
                    from = p;
                    break;
                case 1: // deletion
                    from = Math.min(src.length, p + len);
                    break;
                default: // replacement
                    out.writeBytes(random(r.nextLong(), len));
                    from = Math.min(src.length, p + len);
                    break;
            }
        }
        out.write(src, from, src.length - from);
        return out.toByteArray();
    }

    /**
     * {@code src} with an edit at each byte position with probability {@code rate}, of the kinds in {@code kinds}
     * (1 substitution, 2 insertion of a random byte before it, 4 deletion), chosen equally; {@code count[0]} is set
     * to the number of edits.
     */
    static byte[] editPerByte(byte[] src, double rate, long seed, int kinds, int[] count) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] allowed = new int[3];
        int k = 0;
        for (int bit = 0; bit < 3; bit++) {
            if ((kinds & 1 << bit) != 0) {
                allowed[k++] = bit;
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(src.length + src.length / 20);
        int edits = 0;
        for (byte b : src) {
            if (r.nextDouble() >= rate) {
                out.write(b);
                continue;
            }
            edits++;
            switch (allowed[r.nextInt(k)]) {
                case 0:
                    out.write(b ^ (1 + r.nextInt(255)));
                    break;
                case 1:
                    out.write(r.nextInt(256));
                    out.write(b);
                    break;
                default:
                    break; // deleted
            }
        }
        count[0] = edits;
        return out.toByteArray();
    }

    /** Result of {@link #roundTrip}. */
    static final class Trip {
        byte[] decoded;
        PacketFsPoolEncoder encoder;
        PacketFsPoolWireMeter meter;
        java.util.List<String> units = new java.util.ArrayList<>();
    }

    /**
     * Encodes {@code input} cut at seeded random points (1..maxChunk bytes per chunk; 0 = whole), decodes every unit
     * as it comes (its refCnt is 0 afterwards), and meters the wire bytes.
     */
    static Trip roundTrip(PacketFsPool pool, byte[] input, long seed, int maxChunk) {
        Trip t = new Trip();
        t.encoder = new PacketFsPoolEncoder(pool);
        t.meter = new PacketFsPoolWireMeter(PacketFsConfig.DEFAULT);
        PacketFsPoolDecoder decoder = new PacketFsPoolDecoder(pool);
        ByteBuf out = Unpooled.buffer(input.length + 16);
        PacketFsPoolCopySink sink = unit -> {
            try {
                t.units.add(io.netty.buffer.ByteBufUtil.hexDump(unit.content()));
                decoder.decode(unit, out);
                t.meter.addCopy(unit.bodyLength());
            } finally {
                unit.release();
            }
            if (unit.refCnt() != 0) {
                throw new AssertionError("unit not released");
            }
        };
        SplittableRandom r = new SplittableRandom(seed);
        int at = 0;
        while (at < input.length) {
            int n = maxChunk == 0 ? input.length : Math.min(input.length - at, 1 + r.nextInt(maxChunk));
            ByteBuf chunk = Unpooled.wrappedBuffer(input, at, n);
            t.encoder.encode(chunk, sink);
            if (chunk.isReadable()) {
                throw new AssertionError("encode left " + chunk.readableBytes() + " bytes unread");
            }
            chunk.release();
            at += n;
        }
        t.encoder.finish(sink);
        t.meter.closeWindow();
        t.decoded = new byte[out.readableBytes()];
        out.readBytes(t.decoded);
        out.release();
        return t;
    }
}
