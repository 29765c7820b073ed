package io.jnvme.driver.internal;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceException;
import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaException;
import io.jnvme.device.ForwardingDevice;
import io.jnvme.device.MemoryBlock;
import io.jnvme.device.RegisterIo;
import io.jnvme.spec.Bar0;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.function.Predicate;

/** Fault injection the emulated controller has no switch for: CSTS values, DMA allocation. */
final class FaultDevices {
  private FaultDevices() {}

  /** A device whose CSTS reads pass through {@code csts}. */
  static Device cstsOverride(Device inner, IntUnaryOperator csts) {
    return new ForwardingDevice(inner) {
      @Override
      public RegisterIo mapBar(int bar) throws DeviceException {
        RegisterIo r = delegate().mapBar(bar);
        return new RegisterIo() {
          @Override
          public long length() {
            return r.length();
          }

          @Override
          public int read32(long offset) {
            int v = r.read32(offset);
            return offset == Bar0.CSTS ? csts.applyAsInt(v) : v;
          }

          @Override
          public long read64(long offset) {
            return r.read64(offset);
          }

          @Override
          public void write32(long offset, int value) {
            r.write32(offset, value);
          }

          @Override
          public void write64(long offset, long value) {
            r.write64(offset, value);
          }
        };
      }

      @Override
      public void close() {
        inner.close();
      }
    };
  }

  /** An allocator that fails every allocation whose tag {@link #failTags} accepts. */
  static final class FailingDma implements DmaClient {
    private final DmaClient inner;
    volatile Predicate<String> failTags = t -> false;

    FailingDma(DmaClient inner) {
      this.inner = inner;
    }

    @Override
    public String allocatorName() {
      return inner.allocatorName();
    }

    @Override
    public boolean persistent() {
      return inner.persistent();
    }

    @Override
    public MemoryBlock allocate(long size, String tag) throws DmaException {
      if (failTags.test(tag)) {
        throw new DmaException("allocator=" + allocatorName() + " tag=" + tag
            + ": out of memory (injected fault)");
      }
      return inner.allocate(size, tag);
    }

    @Override
    public List<MemoryBlock> attachPending() throws DmaException {
      return inner.attachPending();
    }
  }
}
