package io.packetfs.codec.pool;

/**
 * One static model of the coded COPY unit's rANS coder (docs/PROTOCOL.md 8.8): for each symbol a frequency out of
 * {@value #TOTAL} (at least 1, so every symbol can be coded), its cumulative start, the slot table that decodes a
 * 12-bit slot to its symbol, frequency and offset in one int (16 KiB), and the cost of each symbol in 1/64 bits for
 * the encoder's budget.
 *
 * <pre>
 *   slot:  0 ............ start[s] ........ start[s] + freq[s] - 1 ........ 4095
 *                         |------- symbol s -------|
 * </pre>
 *
 * Immutable once built; shared by every encoder and decoder of a pool.
 */
final class PacketFsCopyModel {

    /** Bits of a frequency's scale. */
    static final int SCALE_BITS = 12;
    /** Sum of a model's frequencies. */
    static final int TOTAL = 1 << SCALE_BITS;
    /** Costs are in units of 1/{@value} bit. */
    static final int COST_ONE_BIT = 64;

    final int symbols;
    final int[] freq;
    final int[] start;
    /** {@code ceil(-log2(freq / TOTAL) * 64) + 1}: an upper bound on what the symbol adds to the stream. */
    final int[] cost;
    /** Per slot, for the decoder's one lookup: {@code symbol | freq << 8 | (slot - start) << 20}. */
    final int[] decode;

    private PacketFsCopyModel(int[] freq) {
        this.symbols = freq.length;
        this.freq = freq.clone();
        this.start = new int[symbols];
        this.cost = new int[symbols];
        this.decode = new int[TOTAL];
        if (symbols < 2 || symbols > 256) {
            throw new IllegalArgumentException(symbols + " symbols; a model has 2 to 256");
        }
        int at = 0;
        for (int s = 0; s < symbols; s++) {
            int f = freq[s];
            if (f < 1 || f > TOTAL - at) {
                throw new IllegalArgumentException("frequency " + f + " of symbol " + s + " (" + at
                        + " slots taken of " + TOTAL + ")");
            }
            start[s] = at;
            for (int k = 0; k < f; k++) {
                decode[at + k] = s | f << 8 | k << 20;
            }
            at += f;
            cost[s] = (int) Math.ceil(-Math.log((double) f / TOTAL) / Math.log(2) * COST_ONE_BIT) + 1;
        }
        if (at != TOTAL) {
            throw new IllegalArgumentException("frequencies sum to " + at + ", not " + TOTAL);
        }
    }

    /** A model of fixed frequencies (each at least 1, summing to {@value #TOTAL}). */
    static PacketFsCopyModel of(int... freq) {
        return new PacketFsCopyModel(freq);
    }

    /** {@code symbols} symbols of equal frequency ({@code symbols} a power of two up to {@value #TOTAL}). */
    static PacketFsCopyModel uniform(int symbols) {
        int[] f = new int[symbols];
        java.util.Arrays.fill(f, TOTAL / symbols);
        return new PacketFsCopyModel(f);
    }

    /**
     * The model of measured counts, by the rule of docs/PROTOCOL.md 8.8 that both peers apply to the pool: every
     * symbol gets {@code 1 + floor(count * (4096 - n) / total)}, and the slots left over go to the most frequent
     * symbol (the lowest one of equal counts). {@code total} must be positive.
     */
    static PacketFsCopyModel normalized(long[] counts) {
        int n = counts.length;
        long total = 0;
        int top = 0;
        for (int s = 0; s < n; s++) {
            total += counts[s];
            if (counts[s] > counts[top]) {
                top = s;
            }
        }
        int[] f = new int[n];
        int sum = 0;
        long share = TOTAL - n;
        for (int s = 0; s < n; s++) {
            f[s] = 1 + (int) (counts[s] * share / total); // counts below 2^50: no overflow
            sum += f[s];
        }
        f[top] += TOTAL - sum;
        return new PacketFsCopyModel(f);
    }
}
