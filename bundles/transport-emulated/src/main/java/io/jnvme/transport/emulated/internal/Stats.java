package io.jnvme.transport.emulated.internal;

import java.util.concurrent.atomic.LongAdder;

/** The counters behind the SMART / Health log, for the controller or one namespace. */
final class Stats {
  final LongAdder bytesRead = new LongAdder();
  final LongAdder bytesWritten = new LongAdder();
  final LongAdder readCommands = new LongAdder();
  final LongAdder writeCommands = new LongAdder();
  final LongAdder mediaErrors = new LongAdder();

  void read(long bytes) {
    bytesRead.add(bytes);
    readCommands.increment();
  }

  void written(long bytes) {
    bytesWritten.add(bytes);
    writeCommands.increment();
  }
}
