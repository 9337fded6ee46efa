package io.packetfs.examples;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The option parsers of {@link Transfers}: sizes and rates as operators write them. */
class TransfersTest {

    @Test
    void ratesInBytesAndBits() {
        assertEquals(12_500_000L, Transfers.parseRate("100mbit"));
        assertEquals(12_500_000L, Transfers.parseRate("12.5M"));
        assertEquals(125_000_000L, Transfers.parseRate("1gbit"));
        assertEquals(1_000_000_000L, Transfers.parseRate("1G"));
        assertEquals(64_000L, Transfers.parseRate("512kbit"));
        assertEquals(2_000L, Transfers.parseRate("2k"));
        assertEquals(5_000L, Transfers.parseRate(" 5000 "));
        assertEquals(0L, Transfers.parseRate("0"));
    }

    @Test
    void badRatesSayWhatIsExpected() {
        assertThat(assertThrows(IllegalArgumentException.class, () -> Transfers.parseRate("fast")).getMessage())
                .contains("not a rate").contains("100mbit");
        assertThrows(IllegalArgumentException.class, () -> Transfers.parseRate("-5M"));
        assertThat(assertThrows(IllegalArgumentException.class, () -> Transfers.parseRate("500")).getMessage())
                .contains("below 1 kB/s");
    }

    @Test
    void sizesInBinaryUnits() {
        assertEquals(64L << 20, Transfers.parseSize("64M"));
        assertEquals(1L << 30, Transfers.parseSize("1GiB"));
        assertThrows(IllegalArgumentException.class, () -> Transfers.parseSize("lots"));
    }
}
