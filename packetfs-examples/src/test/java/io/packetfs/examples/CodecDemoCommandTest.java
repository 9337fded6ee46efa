package io.packetfs.examples;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

class CodecDemoCommandTest {

    @Test
    void demoVerifiesEveryReferenceAndCatchesTheCorruptedFrame() {
        String out = runCapturingStdout("codec-demo", "--refs", "50000", "--window-pow2", "8", "--seed", "3");
        assertThat(out).contains("50,000 / 50,000 (identical)")
                .contains("CRC errors 0")
                .contains("receiver reported: CRC_MISMATCH")
                .contains("demo OK");
    }

    @Test
    void demoWithoutCrcStillVerifies() {
        String out = runCapturingStdout("codec-demo", "--refs", "10000", "--no-crc", "--frame", "200");
        assertThat(out).contains("(identical)").contains("skipped: CRC is off").contains("demo OK");
    }

    @Test
    void everyCommandHasHelp() {
        StringWriter sw = new StringWriter();
        CommandLine cl = PacketFsCli.newCommandLine();
        cl.setOut(new PrintWriter(sw));
        assertEquals(0, cl.execute("codec-demo", "--help"));
        assertThat(sw.toString()).contains("--refs").contains("--window-pow2");
    }

    @Test
    void badOptionsSayWhatIsWrong() {
        StringWriter err = new StringWriter();
        CommandLine cl = PacketFsCli.newCommandLine();
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("codec-demo", "--window-pow2", "40")).isNotZero();
        assertThat(err.toString()).contains("windowPow2 40").contains("0..24");
    }

    private static String runCapturingStdout(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = PacketFsCli.newCommandLine().execute(args);
        } finally {
            System.setOut(saved);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        return out;
    }
}
