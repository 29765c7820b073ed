package io.jnvme.transport.emulated;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A fault rule added with {@link FaultInjector#add}. Rules are tried in the order they were added;
 * the first active rule whose match accepts a command decides what happens to it.
 *
 * @since 1.0
 */
@ProviderType
public interface FaultRule {
  /** The commands the rule applies to. */
  CommandMatch match();

  /** What the rule does to them. */
  FaultAction action();

  /** How many commands the rule has acted on so far (skipped ones not counted). */
  long matches();

  /** False once the rule was removed or has fired {@link CommandMatch#count} times. */
  boolean active();

  /** Removes the rule; commands it already acted on stay affected (a delayed one still runs). */
  void remove();
}
