/**
 * JMH benchmarks of the PacketFS codec hot paths, each beside a plain copy of the same bytes measured in the same
 * run: {@link io.packetfs.benchmarks.BitPackBenchmark} (reference encode and decode per tier) and
 * {@link io.packetfs.benchmarks.Crc16Benchmark} (the SYNC unit CRC16). How to run them and read the scores:
 * {@code packetfs-benchmarks/README.md}.
 */
package io.packetfs.benchmarks;
