package io.jnvme.driver;

import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.savestate.ControllerSavedState;
import java.nio.ByteBuffer;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One NVMe controller driven by this driver. Registered as an OSGi service with the property
 * {@value #NAME}.
 */
@ProviderType
public interface NvmeController extends AutoCloseable {
  /** Service property with the instance name. */
  String NAME = "controller.name";

  /** Instance name, e.g. {@code nvme0}. */
  String name();

  /** The device's id (its address on its transport). */
  String deviceId();

  /** The transport, e.g. {@code emulated}. */
  String transport();

  ControllerState state();

  /** Identify Controller, decoded. */
  ControllerInfo info();

  /** The raw 4096-byte Identify Controller data. */
  ByteBuffer identifyController();

  /** Active namespaces (Identify CNS 02h) and what the driver knows of each. */
  List<NamespaceInfo> namespaces() throws NvmeException;

  /**
   * Get Log Page: {@code bytes} (a multiple of 4, at most 4096) of log {@code lid}, read now. The
   * event it may report is cleared (RAE = 0).
   *
   * @param nsid the namespace, or {@code 0xFFFFFFFF} for the controller as a whole
   */
  ByteBuffer logPage(int lid, int nsid, int bytes) throws NvmeException;

  /** Get Features: completion dword 0 of feature {@code fid} (current value). */
  int feature(int fid, int nsid, int cdw11) throws NvmeException;

  /** The raw 4096-byte Identify Namespace data of {@code nsid}, fetched now. */
  ByteBuffer identifyNamespace(int nsid) throws NvmeException;

  /**
   * Opens the namespace exclusively.
   *
   * @param owner who opens it; shown by {@code nvme:list}
   * @throws NamespaceException DUPLICATE if a handle is open, NOT_FOUND if not active
   */
  NamespaceHandle open(int nsid, String owner) throws NvmeException;

  /**
   * Allocates a DMA buffer this controller's device can reach; closing it returns the memory.
   *
   * @throws ResourceException if the bound allocator cannot give the memory
   */
  MemoryBlock allocateBuffer(long size) throws NvmeException;

  /**
   * Identifies every open namespace again, as a namespace-changed event would: a namespace found
   * with NSZE = 0 is marked removed for good, a size change is published to the handle's owner.
   */
  void rescanNamespaces() throws NvmeException;

  /**
   * Where new queues and buffers come from from now on (allocator hot-swap). Memory already in use
   * stays where it is. {@code null} means no allocator is bound: new queues cannot be made and
   * their CPUs share existing queues.
   */
  void allocator(io.jnvme.device.DmaClient dma);

  /** Queues, fallback counter, failures. */
  ControllerStatus status();

  /**
   * Saves the controller for servicing, all or nothing: quiesces every queue (new commands wait),
   * and returns the complete state, leaving the controller enabled. If anything fails, the driver
   * goes on serving exactly as before and this throws. After a successful save, either
   * {@link #release()} (a new driver takes over) or {@link #resumeAfterSave()} (servicing
   * abandoned).
   *
   * @throws SavedStateException NOT_PERSISTENT without keepalive, SAVE_FAILED otherwise
   */
  ControllerSavedState save() throws SavedStateException;

  /** Servicing was abandoned: serve again from where {@link #save()} stopped. */
  void resumeAfterSave();

  /**
   * Lets go of a saved controller without resetting it: threads stop, persistent memory stays for
   * the next driver, commands that were waiting fail with {@link ControllerFailedException} reason
   * SERVICED.
   */
  void release();

  /** Orderly shutdown with CC.SHN; outstanding commands fail. */
  @Override
  void close();
}
