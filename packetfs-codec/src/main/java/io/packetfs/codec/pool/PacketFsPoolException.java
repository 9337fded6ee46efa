package io.packetfs.codec.pool;

import io.packetfs.codec.PacketFsException;
import io.packetfs.codec.PacketFsTier;

/**
 * A reference names a unit outside the pool: the peers hold different pools or geometries (the HELLO fingerprint
 * should have caught that) or the reference was corrupted before its window's CRC was checked. The decoder never
 * reads outside the pool; it counts the run's bad references and appends nothing for the run.
 * Its reason is {@link PacketFsException.Reason#REF_OUT_OF_POOL}; the message names the tier, the reference and the
 * pool's limit.
 */
public final class PacketFsPoolException extends PacketFsException {

    private static final long serialVersionUID = 1L;

    private final PacketFsTier tier;
    private final long ref;
    private final long limit;
    private final int rejected;
    private final String text;

    /** {@code ref} of {@code tier} is not below {@code limit}; {@code rejected} bad references in its run. */
    public PacketFsPoolException(PacketFsTier tier, long ref, long limit, int rejected) {
        super(Reason.REF_OUT_OF_POOL, "");
        this.tier = tier;
        this.ref = ref;
        this.limit = limit;
        this.rejected = rejected;
        this.text = "REF_OUT_OF_POOL: " + tier + " reference " + ref + " is outside the pool, which has " + limit + " "
                + tier + " units (references 0.." + (limit - 1) + "); " + rejected
                + " bad reference(s) in the run, run dropped";
    }

    @Override
    public String getMessage() {
        return text;
    }

    /** The tier of the bad reference. */
    public PacketFsTier tier() {
        return tier;
    }

    /** The first bad reference of the run (unsigned). */
    public long ref() {
        return ref;
    }

    /** The number of units of that tier in the pool. */
    public long limit() {
        return limit;
    }

    /** Bad references in the dropped run. */
    public int rejected() {
        return rejected;
    }
}
