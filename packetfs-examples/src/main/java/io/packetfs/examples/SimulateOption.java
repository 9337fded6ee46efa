package io.packetfs.examples;

import io.packetfs.transport.PacketFsImpairment;
import picocli.CommandLine.Option;

/**
 * The delivery options of {@code send} and {@code recv} (a picocli mixin): {@code --unreliable}, and
 * {@code --simulate loss=P,reorder=P,duplicate=P,corrupt=P,delay=MS,seed=N}, seeded impairments applied to what one
 * side of a transfer receives (drills and tests where no netem is at hand; see {@link PacketFsImpairment}).
 */
final class SimulateOption {

    @Option(names = "--simulate", paramLabel = "SPEC", description = SimulateOption.HELP)
    String simulate;

    @Option(names = "--unreliable", description = {"No loss repair (docs/PROTOCOL.md section 9): a lost, duplicated "
            + "or reordered frame stops the transfer (detected, never silent). Both sides must use it."})
    boolean unreliable;

    /** The impairment --simulate asks for, or null. */
    PacketFsImpairment.Settings impairment() {
        return parse(simulate);
    }

    static final String HELP = "Impair what this side receives, for drills and tests: "
            + "loss=P,reorder=P,duplicate=P,corrupt=P,delay=MS,seed=N (any subset; P in 0..1). "
            + "Example: loss=0.05,reorder=0.1,duplicate=0.01,corrupt=0.01,seed=7";

    /** The settings {@code spec} names (inbound), or null for null / empty. */
    static PacketFsImpairment.Settings parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return null;
        }
        PacketFsImpairment.Settings.Builder b = PacketFsImpairment.Settings.builder()
                .direction(PacketFsImpairment.Direction.INBOUND);
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("--simulate: '" + part + "' is not KEY=VALUE; " + HELP);
            }
            try {
                switch (kv[0].trim()) {
                    case "loss":
                        b.loss(Double.parseDouble(kv[1]));
                        break;
                    case "reorder":
                        b.reorder(Double.parseDouble(kv[1]));
                        break;
                    case "duplicate":
                        b.duplicate(Double.parseDouble(kv[1]));
                        break;
                    case "corrupt":
                        b.corrupt(Double.parseDouble(kv[1]));
                        break;
                    case "delay":
                        b.delayMillis(Long.parseLong(kv[1].trim()));
                        break;
                    case "seed":
                        b.seed(Long.parseLong(kv[1].trim()));
                        break;
                    default:
                        throw new IllegalArgumentException("--simulate: unknown key '" + kv[0] + "'; " + HELP);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--simulate: '" + kv[1] + "' is not a number in '" + part + "'");
            }
        }
        return b.build();
    }
}
