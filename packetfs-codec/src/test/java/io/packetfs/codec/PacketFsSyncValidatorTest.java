package io.packetfs.codec;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.packetfs.codec.PacketFsDecoderState.DATA_READY;
import static io.packetfs.codec.PacketFsDecoderState.LISTENING;
import static io.packetfs.codec.PacketFsDecoderState.SYNCHRONIZED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class PacketFsSyncValidatorTest {

    private static final PacketFsConfig W2 = PacketFsConfig.builder().windowPow2(1).crcEnabled(false).build();

    private final List<String> transitions = new ArrayList<>();
    private final EventRecorder recorder = new EventRecorder();

    private PacketFsSyncValidator validator(int firstWindow) {
        return new PacketFsSyncValidator(W2, firstWindow, (from, to) -> transitions.add(from + ">" + to));
    }

    @Test
    void followsTheSeedsDecoderStateMachine() {
        PacketFsSyncValidator v = validator(0);
        EmbeddedChannel rx = new EmbeddedChannel(v, recorder);
        assertEquals(LISTENING, v.state());
        rx.writeInbound(refs(rx, 1));
        assertEquals(List.of("LISTENING>PROCESSING", "PROCESSING>DATA_READY"), transitions);
        assertEquals(DATA_READY, v.state());
        rx.writeInbound(refs(rx, 2));
        rx.writeInbound(PacketFsSync.withoutCrc(0));
        assertEquals(List.of("LISTENING>PROCESSING", "PROCESSING>DATA_READY", "DATA_READY>PROCESSING",
                "PROCESSING>DATA_READY", "DATA_READY>SYNC_FOUND", "SYNC_FOUND>SYNCHRONIZED"), transitions);
        assertEquals(SYNCHRONIZED, v.state());
        assertEquals(1, v.windowsValid());
        assertEquals(1, v.expectedWindowId());
        assertFalse(rx.finish());
    }

    @Test
    void aCrcMismatchLosesSynchronisationUntilTheNextGoodWindow() {
        PacketFsSyncValidator v = validator(0);
        EmbeddedChannel rx = new EmbeddedChannel(v, recorder);
        rx.writeInbound(refs(rx, 1));
        rx.writeInbound(PacketFsSync.withCrc(0, 1).withStatus(PacketFsSync.CrcStatus.MISMATCH));
        assertEquals(LISTENING, v.state());
        rx.writeInbound(refs(rx, 2));
        rx.writeInbound(PacketFsSync.withCrc(1, 1).withStatus(PacketFsSync.CrcStatus.MATCH));
        assertEquals(SYNCHRONIZED, v.state());
        assertEquals(1, v.windowsValid());
        assertFalse(rx.finish());
    }

    @Test
    void reportsMissingWindowsAndResynchronises() {
        PacketFsSyncValidator v = validator(0);
        EmbeddedChannel rx = new EmbeddedChannel(v, recorder);
        rx.writeInbound(PacketFsSync.withoutCrc(3));
        PacketFsWindowException e = (PacketFsWindowException) recorder.errors.get(0);
        assertEquals(PacketFsException.Reason.MISSING_WINDOW, e.reason());
        assertEquals(0, e.expectedWindowId());
        assertEquals(3, e.actualWindowId());
        assertEquals(3, v.windowsMissing());
        assertEquals(LISTENING, v.state());
        rx.writeInbound(refs(rx, 1));
        rx.writeInbound(PacketFsSync.withoutCrc(4));
        assertEquals(SYNCHRONIZED, v.state());
        assertFalse(rx.finish());
    }

    @Test
    void missingWindowsAcrossRollover() {
        PacketFsSyncValidator v = validator(0xFFFE);
        EmbeddedChannel rx = new EmbeddedChannel(v, recorder);
        rx.writeInbound(PacketFsSync.withoutCrc(0x0001));
        assertEquals(3, v.windowsMissing(), "FFFE, FFFF and 0000 were lost");
        assertEquals(2, v.expectedWindowId());
        assertFalse(rx.finish());
    }

    @Test
    void reportsDuplicatesWithoutMovingTheExpectedWindow() {
        PacketFsSyncValidator v = validator(0);
        EmbeddedChannel rx = new EmbeddedChannel(v, recorder);
        rx.writeInbound(refs(rx, 1));
        rx.writeInbound(PacketFsSync.withoutCrc(0));
        rx.writeInbound(PacketFsSync.withoutCrc(0));
        assertEquals(List.of("REFS L1 01", "SYNC 0000", "SYNC 0000", "ERROR DUPLICATE_WINDOW"), recorder.events);
        assertEquals(1, v.windowsDuplicate());
        assertEquals(1, v.expectedWindowId());
        assertFalse(rx.finish());
    }

    @Test
    void reportsAWindowThatOverflowsOnce() {
        PacketFsSyncValidator v = validator(0);
        EmbeddedChannel rx = new EmbeddedChannel(v, recorder);
        rx.writeInbound(refs(rx, 1, 2, 3));
        rx.writeInbound(refs(rx, 4));
        assertEquals(List.of("REFS L1 01 02 03", "ERROR WINDOW_OVERFLOW", "REFS L1 04"), recorder.events);
        assertEquals(1, v.windowOverflows());
        rx.writeInbound(PacketFsSync.withoutCrc(0));
        assertEquals(LISTENING, v.state(), "an overflowed window is not valid even if its SYNC arrives");
        assertEquals(4, v.totalRefs());
        assertFalse(rx.finish());
    }

    static PacketFsRefs refs(EmbeddedChannel ch, int... values) {
        return PacketFsRefs.pack(ch.alloc(), PacketFsTier.L1, values, 0, values.length);
    }
}
