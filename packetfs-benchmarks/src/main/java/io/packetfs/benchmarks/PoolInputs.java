package io.packetfs.benchmarks;

import io.packetfs.codec.pool.PacketFsPool;

import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;

/**
 * The inputs of {@link PoolCodecBenchmark} and {@link PoolWireReport}, all seeded:
 * <ul>
 *   <li>{@code inPool}: {@value #INPUT_BYTES} bytes of the pool from the unaligned offset {@value #SLICE_OFFSET} (inside a 16 MiB pool too);</li>
 *   <li>{@code edited1pct} (and {@code editedRate}): that slice with an edit at each byte position with
 *       probability 1 % (a third each: replace the byte, insert a random byte before it, delete it);</li>
 *   <li>{@code random}: {@value #INPUT_BYTES} random bytes, not in the pool.</li>
 * </ul>
 */
final class PoolInputs {

    static final long POOL_BYTES = 64L << 20;
    static final long POOL_SEED = 0x5EED_9001L;
    static final int INPUT_BYTES = 8 << 20;
    static final long SLICE_OFFSET = 5_345_677L;

    private PoolInputs() {
    }

    static byte[] input(PacketFsPool pool, String scenario, int poolMiB) {
        return input(pool, scenario);
    }

    static byte[] input(PacketFsPool pool, String scenario) {
        switch (scenario) {
            case "inPool":
                return slice(pool);
            case "edited1pct":
                return edited(slice(pool), 0.01, 2);
            case "random":
                return random(3, INPUT_BYTES);
            default:
                if (scenario.startsWith("edited:")) {
                    return edited(slice(pool), Double.parseDouble(scenario.substring(7)), 2);
                }
                throw new IllegalArgumentException("scenario " + scenario);
        }
    }

    static byte[] slice(PacketFsPool pool) {
        byte[] a = new byte[INPUT_BYTES];
        pool.getBytes(SLICE_OFFSET, a);
        return a;
    }

    static byte[] random(long seed, int n) {
        byte[] a = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            a[i] = (byte) r.nextInt(256);
        }
        return a;
    }

    /** {@code src} with a 1-byte edit at each position with probability {@code rate}. */
    static byte[] edited(byte[] src, double rate, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream(src.length + src.length / 50);
        for (byte b : src) {
            if (r.nextDouble() >= rate) {
                out.write(b);
                continue;
            }
            switch (r.nextInt(3)) {
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
        return out.toByteArray();
    }
}
