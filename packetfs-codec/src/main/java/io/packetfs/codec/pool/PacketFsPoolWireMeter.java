package io.packetfs.codec.pool;

import io.netty.util.internal.ObjectUtil;
import io.packetfs.codec.PacketFsCloseWindow;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsCopyUnit;
import io.packetfs.codec.PacketFsRefs;
import io.packetfs.codec.PacketFsSyncInserter;
import io.packetfs.codec.PacketFsTier;
import io.packetfs.codec.PacketFsTierEncoder;

import static io.packetfs.codec.internal.PacketFsConstants.HEADER_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.MAX_RUN_COUNT;
import static io.packetfs.codec.internal.PacketFsConstants.RUN_HEADER_LENGTH;
import static io.packetfs.codec.internal.PacketFsConstants.SYNC_LENGTH_CRC;
import static io.packetfs.codec.internal.PacketFsConstants.SYNC_LENGTH_NO_CRC;
import static io.packetfs.codec.internal.PacketFsConstants.TLV_HEADER_LENGTH;

/**
 * A {@link PacketFsPoolCopySink} that counts the bytes COPY units (and runs) would take on the wire, and releases them: it does
 * the arithmetic of {@link PacketFsSyncInserter} followed by {@link PacketFsTierEncoder} for a
 * {@link PacketFsConfig}, byte for byte as if all runs were written and flushed once at the end, after a
 * {@link #closeWindow()}:
 *
 * <pre>
 *   wire bytes = frame headers (8 per frame) + run headers (2 per run piece) + reference bytes
 *                + COPY units (3 + body) + SYNC units (5 or 3)
 *   a run is cut at window boundaries (a SYNC between the parts), at 16,384 references and where a frame is full
 * </pre>
 *
 * Carrier headers (Ethernet, IP/UDP) are not counted.
 */
public final class PacketFsPoolWireMeter implements PacketFsPoolCopySink {

    private final int maxFrame;
    private final int windowSize;
    private final int syncLength;

    private int refsInWindow;
    private int frameLength;
    private long frames;
    private long emittedBytes;
    private long syncs;
    private long runHeaders;
    private long refBytes;
    private final long[] refs = new long[3];
    private long copyUnits;
    private long copyBodyBytes;

    /** A meter for {@code config}. */
    public PacketFsPoolWireMeter(PacketFsConfig config) {
        ObjectUtil.checkNotNull(config, "config");
        this.maxFrame = config.maxFrameLength();
        this.windowSize = config.windowSize();
        this.syncLength = config.crcEnabled() ? SYNC_LENGTH_CRC : SYNC_LENGTH_NO_CRC;
    }

    /** Counts a run and releases it. */
    public void onRun(PacketFsRefs run) {
        try {
            add(run.tier(), run.count());
        } finally {
            run.release();
        }
    }

    @Override
    public void onCopy(PacketFsCopyUnit unit) {
        try {
            addCopy(unit.bodyLength());
        } finally {
            unit.release();
        }
    }

    /**
     * Counts a COPY unit with a body of {@code bodyLength} bytes: 3 + body bytes, weighing {@code min(body, W)}
     * references; a window it would overflow is closed first.
     */
    public void addCopy(int bodyLength) {
        int weight = Math.min(bodyLength, windowSize);
        if (refsInWindow > 0 && refsInWindow + weight > windowSize) {
            appendSync();
        }
        openFrame(TLV_HEADER_LENGTH + bodyLength);
        frameLength += TLV_HEADER_LENGTH + bodyLength;
        copyUnits++;
        copyBodyBytes += bodyLength;
        refsInWindow += weight;
        if (refsInWindow >= windowSize) {
            appendSync();
        }
    }

    /** Counts a run of {@code count} references of {@code tier}. */
    public void add(PacketFsTier tier, int count) {
        refs[tier.index()] += count;
        int from = 0;
        while (from < count) {
            int n = Math.min(count - from, windowSize - refsInWindow);
            appendRefs(tier.bytes(), n);
            refsInWindow += n;
            from += n;
            if (refsInWindow == windowSize) {
                appendSync();
            }
        }
    }

    /** As {@link PacketFsCloseWindow}: a SYNC unit closes a partly filled window. */
    public void closeWindow() {
        if (refsInWindow > 0) {
            appendSync();
        }
    }

    private void appendRefs(int width, int left) {
        while (left > 0) {
            int room = openFrame(RUN_HEADER_LENGTH + width);
            int n = Math.min(Math.min(left, (room - RUN_HEADER_LENGTH) / width), MAX_RUN_COUNT);
            frameLength += RUN_HEADER_LENGTH + n * width;
            runHeaders++;
            refBytes += (long) n * width;
            left -= n;
        }
    }

    private void appendSync() {
        openFrame(syncLength);
        frameLength += syncLength;
        refsInWindow = 0;
        syncs++;
    }

    private int openFrame(int need) {
        if (frameLength != 0 && maxFrame - frameLength < need) {
            emitFrame();
        }
        if (frameLength == 0) {
            frameLength = HEADER_LENGTH;
        }
        return maxFrame - frameLength;
    }

    private void emitFrame() {
        frames++;
        emittedBytes += frameLength;
        frameLength = 0;
    }

    /** Wire bytes of every frame so far, the open one included (as after a flush). */
    public long wireBytes() {
        return emittedBytes + (frameLength > HEADER_LENGTH ? frameLength : 0);
    }

    /** Frames so far, the open one included. */
    public long frames() {
        return frames + (frameLength > HEADER_LENGTH ? 1 : 0);
    }

    /** SYNC units so far. */
    public long syncs() {
        return syncs;
    }

    /** Run headers so far (a run split across frames or windows has one per part). */
    public long runHeaders() {
        return runHeaders;
    }

    /** Reference bytes so far. */
    public long refBytes() {
        return refBytes;
    }

    /** COPY units so far. */
    public long copyUnits() {
        return copyUnits;
    }

    /** Body bytes of those COPY units. */
    public long copyBodyBytes() {
        return copyBodyBytes;
    }

    /** References of {@code tier} so far. */
    public long refs(PacketFsTier tier) {
        return refs[tier.index()];
    }

    @Override
    public String toString() {
        return "wire " + wireBytes() + " B: " + frames() + " frames, " + runHeaders + " run headers, " + refBytes
                + " reference bytes (L1 " + refs[0] + ", L2 " + refs[1] + ", L3 " + refs[2] + "), " + copyUnits
                + " COPY units (" + copyBodyBytes + " body bytes), " + syncs + " SYNC";
    }
}
