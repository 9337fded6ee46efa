package io.packetfs.examples;

import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolGeometry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./packetfs pool create --size SIZE [--seed N] FILE} and {@code ./packetfs pool info FILE}. */
@Command(name = "pool", mixinStandardHelpOptions = true, description = "Creates or describes a data pool.",
        subcommands = {PoolCommand.Create.class, PoolCommand.Info.class})
final class PoolCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Writes a pool of SIZE deterministic bytes generated from the seed: the same size and",
                    "seed give the same pool on every host, so a pool can be made on both sides instead of copied."})
    static final class Create implements Callable<Integer> {
        @Option(names = "--size", required = true, description = "Pool size: 4096, 512K, 64M, 2G ...")
        String size;

        @Option(names = "--seed", defaultValue = "1", description = "Generator seed (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--force", description = "Overwrite FILE if it exists.")
        boolean force;

        @Parameters(paramLabel = "FILE")
        Path file;

        @Override
        public Integer call() throws Exception {
            long bytes = Transfers.parseSize(size);
            if (bytes < 1) {
                throw new IllegalArgumentException("--size must be at least 1 byte");
            }
            if (Files.exists(file) && !force) {
                throw new IllegalArgumentException(file + " exists; use --force to overwrite it");
            }
            PacketFsPool.writeSynthetic(file, bytes, seed);
            try (PacketFsPool pool = PacketFsPool.open(file, PacketFsPoolGeometry.DEFAULT)) {
                System.out.printf("pool create: wrote %s, %,d bytes, seed %d%npool create: fingerprint %s%n", file,
                        bytes, seed, pool.fingerprintHex());
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Prints a pool's size and fingerprint.")
    static final class Info implements Callable<Integer> {
        @Parameters(paramLabel = "FILE")
        Path file;

        @Override
        public Integer call() throws Exception {
            try (PacketFsPool pool = Transfers.openPool(file)) {
                System.out.printf("pool %s: %,d bytes, %,d L3 units, fingerprint %s%n", file, pool.size(),
                        pool.l3Units(), pool.fingerprintHex());
            }
            return 0;
        }
    }
}
