package io.jnvme.manager;

/**
 * A configured controller as the platform sees it.
 *
 * @param name controller name
 * @param phase {@code WAITING}, {@code RUNNING}, {@code SERVICING}, {@code FAILED}, {@code STOPPED}
 * @param failure why it failed or what it waits for, or null
 * @param keepalive whether keepalive is configured
 * @param lastStart how the running controller started ({@code cold}, {@code restored}, ...), or null
 * @param lastServicing the last servicing it went through, or null
 */
public record ControllerView(
    String name, String phase, String failure, boolean keepalive, String lastStart,
    ControllerServicing lastServicing) {}
