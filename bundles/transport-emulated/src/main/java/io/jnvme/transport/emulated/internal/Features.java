package io.jnvme.transport.emulated.internal;

import io.jnvme.spec.NumberOfQueues;

/**
 * Current values of the features the controller supports (Base spec 2.0, §5.27.1). None is
 * saveable; a controller reset returns all of them to their defaults. Written under the
 * controller lock; fields read on the I/O path are volatile.
 */
final class Features {
  /** Async Event Configuration bit 8: Namespace Attribute Notices. */
  static final int AEC_NAMESPACE_ATTRIBUTE_NOTICES = 1 << 8;
  /**
   * Default Async Event Configuration: namespace notices on, so that a host that never sets the
   * feature (as the reference driver) still learns about namespace changes, as OAES promises.
   */
  static final int DEFAULT_AEC = AEC_NAMESPACE_ATTRIBUTE_NOTICES;

  private final int maxIoQueues;
  private final int vectors;

  int arbitration;
  int powerState;
  int overTemperatureThreshold;
  int underTemperatureThreshold;
  int errorRecovery;
  volatile boolean volatileWriteCache;
  /** Queues granted by Number of Queues: I/O SQs and CQs. */
  volatile int grantedSqs;
  volatile int grantedCqs;
  int interruptCoalescing;
  int[] vectorConfig;
  int writeAtomicity;
  volatile int asyncEventConfig;

  Features(int maxIoQueues, int vectors) {
    this.maxIoQueues = maxIoQueues;
    this.vectors = vectors;
    reset();
  }

  /** Back to the defaults (power-on and controller reset). */
  void reset() {
    arbitration = 0;
    powerState = 0;
    overTemperatureThreshold = Constants.WCTEMP_KELVIN;
    underTemperatureThreshold = 0;
    errorRecovery = 0;
    volatileWriteCache = true;
    grantedSqs = maxIoQueues;
    grantedCqs = maxIoQueues;
    interruptCoalescing = 0;
    vectorConfig = new int[vectors];
    for (int v = 0; v < vectors; v++) {
      vectorConfig[v] = v;
    }
    writeAtomicity = 0;
    asyncEventConfig = DEFAULT_AEC;
  }

  /** Completion dword 0 of Number of Queues: the granted counts, zero based. */
  int numberOfQueues() {
    return NumberOfQueues.of(grantedSqs, grantedCqs).raw();
  }

  /** Grants queues for a request (counts, not zero based): at most what the controller has. */
  void grant(int sqs, int cqs) {
    grantedSqs = Math.min(sqs, maxIoQueues);
    grantedCqs = Math.min(cqs, maxIoQueues);
  }

  boolean namespaceNotices() {
    return (asyncEventConfig & AEC_NAMESPACE_ATTRIBUTE_NOTICES) != 0;
  }
}
