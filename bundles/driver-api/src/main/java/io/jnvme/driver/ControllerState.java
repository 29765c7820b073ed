package io.jnvme.driver;

/** Life cycle of a controller as the driver sees it. */
public enum ControllerState {
  /** Bring-up in progress. */
  STARTING,
  /** Enabled and serving commands. */
  READY,
  /** Saved for servicing: paused, the controller still enabled; next is release or resume. */
  SAVED,
  /** Failed (fatal status, device gone, device fault); outstanding work was failed. */
  FAILED,
  /** Shut down by the host (CC.SHN) or closed. */
  SHUT_DOWN
}
