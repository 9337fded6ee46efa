package io.packetfs.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench-path}'s case specs: parsing, tc units, the burst rule and the per-case file size. Runs anywhere. */
class PathBenchCaseTest {

    private static final long MIB = 1L << 20;

    @Test
    void cleanCases() {
        PathBenchCase pool = PathBenchCase.parse("clean-pool");
        assertEquals(PathBenchCase.Content.POOL, pool.content);
        assertFalse(pool.isTbf());
        PathBenchCase random = PathBenchCase.parse(" Clean-Random ");
        assertEquals(PathBenchCase.Content.RANDOM, random.content);
        assertEquals("clean-random", random.spec);
        assertEquals(0, random.rateBitsPerSecond);
    }

    @ParameterizedTest
    @CsvSource({
        "tbf:1gbit:1mb,         1000000000, 1048576, RANDOM",
        "tbf:500mbit:256kb,     500000000,  262144,  RANDOM",
        "tbf:100mbit:64kb,      100000000,  65536,   RANDOM",
        "tbf:50mbit:32kb,       50000000,   32768,   RANDOM",
        "tbf:1.5gbit:64k,       1500000000, 65536,   RANDOM",
        "tbf:800kbit:9000b,     800000,     9000,    RANDOM",
        "tbf:64000bit:9000,     64000,      9000,    RANDOM",
        "TBF:100Mbit:64KB:pool, 100000000,  65536,   POOL",
        "tbf:1tbit:1gb:random,  1000000000000, 1073741824, RANDOM",
    })
    void tbfCasesInTcUnits(String spec, long rate, long queue, PathBenchCase.Content content) {
        PathBenchCase c = PathBenchCase.parse(spec);
        assertTrue(c.isTbf());
        assertEquals(rate, c.rateBitsPerSecond);
        assertEquals(queue, c.queueBytes);
        assertEquals(content, c.content);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tbf", "tbf:100mbit", "tbf:100mbit:64kb:pool:x", "tbf:100mbit:64kb:zeros",
        "tbf:fast:64kb", "tbf:100:64kb", "tbf:100mbit:64kbit", "tbf:100mbit:0", "tbf:1kbit:64kb", "clean",
        "loss:0.01", ""})
    void badSpecsNameWhatIsWrong(String spec) {
        assertThatThrownBy(() -> PathBenchCase.parse(spec)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'");
    }

    @Test
    void bytesPerSecondUnitsAreRefusedAsLikelySlips() {
        assertThatThrownBy(() -> PathBenchCase.parse("tbf:100mbps:64kb")).hasMessageContaining("bytes per second");
    }

    @Test
    void listsKeepOrderAndDuplicatesAndDefaultToAllSix() {
        List<PathBenchCase> list = PathBenchCase.parseList("clean-random, tbf:50mbit:32kb,,clean-random");
        assertThat(list).extracting(c -> c.spec).containsExactly("clean-random", "tbf:50mbit:32kb", "clean-random");
        assertThat(PathBenchCase.parseList(PathBenchCase.DEFAULT_CASES)).extracting(c -> c.spec).containsExactly(
                "clean-pool", "clean-random", "tbf:1gbit:1mb", "tbf:500mbit:256kb", "tbf:100mbit:64kb",
                "tbf:50mbit:32kb");
        assertThatThrownBy(() -> PathBenchCase.parseList(" , ")).hasMessageContaining("no case");
    }

    @ParameterizedTest
    @CsvSource({
        // rate, MTU, burst: one millisecond of the rate, at least two frames of MTU + 14
        "1gbit,   1500, 125000",
        "500mbit, 1500, 62500",
        "100mbit, 1500, 12500",
        "50mbit,  1500, 6250",
        "10mbit,  1500, 3028",
        "1mbit,   1500, 3028",
        "50mbit,  9000, 18028",
        "1gbit,   9000, 125000",
        "100001bit, 68, 164",
    })
    void burstIsOneMillisecondOfTheRateButAtLeastTwoFrames(String rate, int mtu, long burst) {
        assertEquals(burst, PathBenchCase.parse("tbf:" + rate + ":64kb").burstBytes(mtu));
    }

    @Test
    void fileSizeFollowsTheRateWithinTheLimits() {
        long size = 64 * MIB;
        long pool = 256 * MIB;
        assertEquals(size, PathBenchCase.parse("clean-random").fileBytes(size, pool, 3));
        assertEquals(8 * MIB, PathBenchCase.parse("clean-pool").fileBytes(size, 8 * MIB, 3), "capped by the pool");
        // 1 Gbit/s for 3 s is 375 MB: capped by --size
        assertEquals(size, PathBenchCase.parse("tbf:1gbit:1mb").fileBytes(size, pool, 3));
        // 50 Mbit/s for 3 s is 18,750,000 bytes: 17 whole MiB
        assertEquals(17 * MIB, PathBenchCase.parse("tbf:50mbit:32kb").fileBytes(size, pool, 3));
        // 100 kbit/s for 3 s is 37,500 bytes: the 1 MiB floor
        assertEquals(MIB, PathBenchCase.parse("tbf:100kbit:32kb").fileBytes(size, pool, 3));
        // a --size below the floor still wins
        assertEquals(512 * 1024, PathBenchCase.parse("tbf:100kbit:32kb").fileBytes(512 * 1024, pool, 3));
        assertEquals(5 * MIB, PathBenchCase.parse("tbf:50mbit:32kb:pool").fileBytes(size, 5 * MIB, 3));
    }

    @Test
    void tcGetsPlainNumbers() {
        assertEquals(List.of("qdisc", "replace", "dev", "pfp-a", "root", "tbf", "rate", "100000000bit", "burst",
                "12500", "limit", "65536"), PathBenchCase.parse("tbf:100mbit:64kb").tcArgs("pfp-a", 1500));
    }
}
