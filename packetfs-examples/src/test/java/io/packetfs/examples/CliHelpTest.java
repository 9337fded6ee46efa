package io.packetfs.examples;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every command's help renders cleanly: picocli formats descriptions with {@code String.format}, so a bare
 * {@code %} in a description ("0.01 % edits") prints a warning and the raw text instead of the help.
 */
class CliHelpTest {

    @Test
    void everyCommandsHelpRendersWithoutWarnings() {
        CommandLine root = PacketFsCli.newCommandLine();
        Map<String, CommandLine> commands = root.getSubcommands();
        assertThat(commands).containsKeys("demo", "send", "recv", "relay", "bench", "bench-goodput", "bench-path",
                "tcp-copy");
        PrintStream savedErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            renderAll(root);
        } finally {
            System.setErr(savedErr);
        }
        assertEquals("", err.toString(StandardCharsets.UTF_8), "picocli warnings while rendering help");
    }

    /** Renders the help of {@code command} and of every command below it (such as {@code pool info}). */
    private static void renderAll(CommandLine command) {
        StringWriter help = new StringWriter();
        command.usage(new PrintWriter(help, true));
        assertThat(help.toString()).as(command.getCommandName())
                .contains("Usage: " + command.getCommandSpec().qualifiedName());
        for (CommandLine sub : command.getSubcommands().values()) {
            renderAll(sub);
        }
    }
}
