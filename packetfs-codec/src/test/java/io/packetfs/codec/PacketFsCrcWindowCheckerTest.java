package io.packetfs.codec;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class PacketFsCrcWindowCheckerTest {

    @Test
    void windowCrcCoversReferenceBytesAcrossRunsAndTiers() {
        PacketFsCrcWindowChecker checker = new PacketFsCrcWindowChecker();
        EventRecorder recorder = new EventRecorder();
        EmbeddedChannel rx = new EmbeddedChannel(checker, recorder);
        // "123456789" split over an L1 run, an L2 run and an L3 run: the catalogue check value
        byte[] ascii = "123456789".getBytes(StandardCharsets.US_ASCII);
        rx.writeInbound(PacketFsRefs.pack(rx.alloc(), PacketFsTier.L1, new int[] {ascii[0], ascii[1], ascii[2]}, 0, 3));
        rx.writeInbound(PacketFsRefs.pack(rx.alloc(), PacketFsTier.L2, new int[] {0x3435}, 0, 1));
        rx.writeInbound(PacketFsRefs.pack(rx.alloc(), PacketFsTier.L3, new int[] {0x36373839}, 0, 1));
        rx.writeInbound(PacketFsSync.withCrc(9, 0x29B1));
        assertEquals("SYNC 0009 CRC 29B1 MATCH", recorder.events.get(recorder.events.size() - 1));
        assertEquals(1, checker.windowsChecked());
        assertEquals(0, checker.crcErrors());
        assertFalse(rx.finish());
    }

    @Test
    void aBadWindowIsReportedAndTheNextWindowStartsClean() {
        PacketFsCrcWindowChecker checker = new PacketFsCrcWindowChecker();
        EventRecorder recorder = new EventRecorder();
        EmbeddedChannel rx = new EmbeddedChannel(checker, recorder);
        rx.writeInbound(PacketFsRefs.pack(rx.alloc(), PacketFsTier.L1, new int[] {1, 2, 3, 4}, 0, 4));
        rx.writeInbound(PacketFsSync.withCrc(0, 0x1234));
        rx.writeInbound(PacketFsRefs.pack(rx.alloc(), PacketFsTier.L1, new int[] {1, 2, 3, 4}, 0, 4));
        rx.writeInbound(PacketFsSync.withCrc(1, 0x89C3));
        assertEquals(List.of("REFS L1 01 02 03 04", "SYNC 0000 CRC 1234 MISMATCH", "ERROR CRC_MISMATCH",
                "REFS L1 01 02 03 04", "SYNC 0001 CRC 89C3 MATCH"), recorder.events);
        PacketFsCrcException e = (PacketFsCrcException) recorder.errors.get(0);
        assertEquals(0, e.windowId());
        assertEquals(0x1234, e.expectedCrc());
        assertEquals(0x89C3, e.actualCrc());
        assertThat(e).hasMessageContaining("0x1234").hasMessageContaining("0x89C3");
        assertEquals(1, checker.crcErrors());
        assertEquals(2, checker.windowsChecked());
        assertFalse(rx.finish());
    }

    @Test
    void syncWithoutCrcPassesUncheckedAndResetsTheWindow() {
        EventRecorder recorder = new EventRecorder();
        EmbeddedChannel rx = new EmbeddedChannel(new PacketFsCrcWindowChecker(), recorder);
        rx.writeInbound(PacketFsRefs.pack(rx.alloc(), PacketFsTier.L1, new int[] {9}, 0, 1));
        rx.writeInbound(PacketFsSync.withoutCrc(0));
        rx.writeInbound(PacketFsRefs.pack(rx.alloc(), PacketFsTier.L1, new int[] {1, 2, 3, 4}, 0, 4));
        rx.writeInbound(PacketFsSync.withCrc(1, 0x89C3));
        assertEquals(List.of("REFS L1 09", "SYNC 0000", "REFS L1 01 02 03 04", "SYNC 0001 CRC 89C3 MATCH"),
                recorder.events);
        assertFalse(rx.finish());
    }
}
