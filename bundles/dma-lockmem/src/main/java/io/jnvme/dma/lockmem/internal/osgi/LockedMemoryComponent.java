package io.jnvme.dma.lockmem.internal.osgi;

import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaClientProvider;
import io.jnvme.dma.lockmem.internal.LockedMemoryProvider;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Registers the lockmem allocator as a {@link DmaClientProvider} service. Ranked 10, so a
 * persistent allocator with a higher ranking takes precedence when present.
 *
 * <p>Immediate: one provider lives as long as the bundle is active. A delayed component would be
 * deactivated (and its provider withdrawn) whenever its last user let go, and recreated for the
 * next one.
 */
@Component(
    immediate = true,
    service = DmaClientProvider.class,
    property = {
      DmaClientProvider.NAME + "=" + LockedMemoryProvider.NAME,
      DmaClientProvider.PERSISTENT + ":Boolean=false",
      "service.ranking:Integer=10"
    })
public final class LockedMemoryComponent implements DmaClientProvider {
  private final LockedMemoryProvider provider;

  @Activate
  public LockedMemoryComponent() {
    this.provider = new LockedMemoryProvider();
  }

  @Deactivate
  void deactivate() {
    // Blocks already handed out stay mapped: a queue may still use them.
    provider.withdraw();
  }

  @Override
  public String name() {
    return provider.name();
  }

  @Override
  public boolean persistent() {
    return provider.persistent();
  }

  @Override
  public DmaClient clientFor(String deviceId) {
    return provider.clientFor(deviceId);
  }
}
