package io.packetfs.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ./packetfs} command line. Every command has {@code --help}.
 */
@Command(name = "packetfs", mixinStandardHelpOptions = true, version = "PacketFS 0.1.0 (wire format 0.1)",
        description = "Send references into a data pool that both peers hold, instead of the data.",
        subcommands = {DemoCommand.class, SendCommand.class, RecvCommand.class, PoolCommand.class,
                CodecDemoCommand.class, EchoServerCommand.class, EchoCommand.class, RelayCommand.class,
                TransportBenchCommand.class, PathBenchCommand.class, TcpCopyCommand.class, BenchCommand.class,
                GoodputBenchCommand.class, CommandLine.HelpCommand.class})
public final class PacketFsCli implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        quietNettyEvents();
        System.exit(newCommandLine().execute(args));
    }

    /**
     * Netty's allocator has JFR events of its own; the first chunk it allocates loads and registers them with the
     * flight recorder, about 65 ms on the event loop of a fresh JVM, which is where a transfer's handshake waits (a
     * receiver answered the first HELLO after 100 ms). Off unless {@code -Dio.netty.jfr.enabled} says otherwise;
     * the JDK's own events and recordings are not affected. Before any Netty class is loaded.
     */
    static void quietNettyEvents() {
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
    }

    /** A configured command line (also used by tests). */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new PacketFsCli());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("packetfs: " + ex.getMessage());
            return 1;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
