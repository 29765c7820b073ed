package io.jnvme.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.felix.main.AutoProcessor;
import org.apache.felix.main.Main;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.util.tracker.ServiceTracker;

/**
 * {@code ./jnvme -c "<cmd1>; <cmd2>"}: starts the platform (Felix embedded, configured like the
 * interactive {@code ./jnvme} from {@code conf/config.properties}), waits until the driver has
 * registered the {@code NvmeController} service of the controller to wait for ({@code nvme0}),
 * runs the commands in one Gogo session, stops the platform and exits with the status.
 *
 * <p>Exit status: 0 when every command succeeded, 1 when a command failed (its message on stderr),
 * 2 for a usage error, 3 when the platform did not come up in time.
 *
 * <p>stdout carries only what the commands print, so {@code ./jnvme -c "nvme:list -o json"} is
 * parseable JSON: while the platform runs, {@code System.out} is pointed at stderr, and only the
 * Gogo session writes to the real stdout.
 *
 * <p>Gogo's API is reached by reflection: its classes live in the gogo.runtime bundle, not on this
 * class path.
 */
public final class JnvmeLauncher {
  /** Every command succeeded. */
  public static final int OK = 0;
  /** A command failed. */
  public static final int COMMAND_FAILED = 1;
  /** Bad launcher arguments. */
  public static final int USAGE = 2;
  /** The platform, or the controller waited for, did not come up. */
  public static final int NOT_STARTED = 3;

  private static final String USAGE_TEXT = String.join("\n",
      "usage: jnvme                         interactive Gogo shell",
      "       jnvme -c \"<cmd>[; <cmd>...]\"  run commands, exit non-zero if one fails",
      "options for -c:",
      "  --wait <controller>|none   controller service to wait for before running (default nvme0)",
      "  --timeout <seconds>        how long to wait for it (default 60, or $JNVME_TIMEOUT)",
      "environment: JNVME_HOME (runtime state, default <distribution>/run), JAVA_OPTS");

  private static final String COMMAND_PROCESSOR = "org.apache.felix.service.command.CommandProcessor";
  private static final String COMMAND_SESSION = "org.apache.felix.service.command.CommandSession";
  private static final String NVME_CONTROLLER = "io.jnvme.driver.NvmeController";

  private JnvmeLauncher() {}

  /** Runs and exits; {@link System#exit} also ends threads that a bundle left running. */
  public static void main(String[] args) {
    int status = run(args, System.out, System.err);
    System.exit(status);
  }

  /** What the command line asks for. */
  record Options(String commands, String waitFor, long timeoutSeconds) {}

  /**
   * Parses the arguments.
   *
   * @throws IllegalArgumentException with the problem
   */
  static Options parse(String[] args, Map<String, String> env) {
    String commands = null;
    String waitFor = "nvme0";
    String timeout = env.getOrDefault("JNVME_TIMEOUT", "60");
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "-c", "--command", "--wait", "--timeout" -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException(a + " needs a value");
          }
          String v = args[++i];
          if (a.equals("--wait")) {
            waitFor = v;
          } else if (a.equals("--timeout")) {
            timeout = v;
          } else {
            commands = v;
          }
        }
        default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
      }
    }
    if (commands == null || commands.isBlank()) {
      throw new IllegalArgumentException("-c \"<commands>\" is required");
    }
    long seconds;
    try {
      seconds = Long.parseLong(timeout.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("timeout '" + timeout + "' is not a number of seconds");
    }
    if (seconds <= 0) {
      throw new IllegalArgumentException("timeout must be positive, got " + seconds);
    }
    if (waitFor.equals("none")) {
      waitFor = null;
    } else if (!waitFor.matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("bad controller name '" + waitFor + "'");
    }
    return new Options(commands, waitFor, seconds);
  }

  /**
   * Starts the platform, runs the commands, stops the platform.
   *
   * @return the exit status
   */
  static int run(String[] args, PrintStream stdout, PrintStream stderr) {
    Options options;
    try {
      options = parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      stderr.println("jnvme: " + e.getMessage());
      stderr.println(USAGE_TEXT);
      return USAGE;
    }
    // From here on anything printed to System.out (Felix, SCR fallbacks, a stray println) goes
    // to stderr; only the Gogo session below writes to the real stdout.
    System.setOut(stderr);
    try {
      return runPlatform(options, stdout, stderr);
    } finally {
      System.setOut(stdout);
      stdout.flush();
    }
  }

  private static int runPlatform(Options options, PrintStream stdout, PrintStream stderr) {
    Path dist;
    Path home;
    Map<String, String> config;
    try {
      dist = distribution();
      home = Path.of(System.getProperty("jnvme.home", dist.resolve("run").toString()))
          .toAbsolutePath();
      System.setProperty("jnvme.dist", dist.toString());
      System.setProperty("jnvme.home", home.toString());
      if (System.getProperty(Main.CONFIG_PROPERTIES_PROP) == null) {
        System.setProperty(Main.CONFIG_PROPERTIES_PROP,
            dist.resolve("conf").resolve(Main.CONFIG_PROPERTIES_FILE_VALUE).toUri().toString());
      }
      config = Main.loadConfigProperties();
      if (config == null) {
        stderr.println("jnvme: cannot read " + System.getProperty(Main.CONFIG_PROPERTIES_PROP));
        return NOT_STARTED;
      }
      Main.copySystemProperties(config);
    } catch (URISyntaxException | RuntimeException e) {
      stderr.println("jnvme: cannot set up the platform: " + e);
      return NOT_STARTED;
    }
    // Not interactive: the Gogo shell bundle must not take over the console.
    config.put("gosh.args", "--nointeractive");
    // A cache of its own, so that -c runs can go on next to an interactive ./jnvme.
    Path storage = home.resolve("felix-cache-c-" + ProcessHandle.current().pid());
    config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
    config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.timeoutSeconds());
    Framework framework = null;
    try {
      FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
          .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"));
      framework = factory.newFramework(config);
      framework.init();
      AutoProcessor.process(config, framework.getBundleContext());
      framework.start();
      BundleContext context = framework.getBundleContext();

      Object processor = await(context, "(objectClass=" + COMMAND_PROCESSOR + ")", deadline);
      if (processor == null) {
        stderr.println("jnvme: the Gogo command processor did not start within "
            + options.timeoutSeconds() + " s" + diagnosis(context, home));
        return NOT_STARTED;
      }
      if (options.waitFor() != null) {
        Object controller = await(context, "(&(objectClass=" + NVME_CONTROLLER + ")(controller.name="
            + options.waitFor() + "))", deadline);
        if (controller == null) {
          stderr.println("jnvme: controller " + options.waitFor() + " did not appear within "
              + options.timeoutSeconds() + " s (no " + NVME_CONTROLLER + " service with "
              + "controller.name=" + options.waitFor() + "; --wait none skips the wait)"
              + diagnosis(context, home));
          return NOT_STARTED;
        }
      }
      return execute(processor, options.commands(), stdout, stderr);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stderr.println("jnvme: interrupted");
      return NOT_STARTED;
    } catch (BundleException | InvalidSyntaxException | RuntimeException e) {
      stderr.println("jnvme: the platform failed to start: " + e);
      return NOT_STARTED;
    } finally {
      stop(framework, stderr);
      deleteTree(storage);
    }
  }

  /** Where the distribution is: the parent of bin/, which holds this class's jar. */
  private static Path distribution() throws URISyntaxException {
    String configured = System.getProperty("jnvme.dist");
    if (configured != null) {
      return Path.of(configured).toAbsolutePath();
    }
    Path jar = Path.of(JnvmeLauncher.class.getProtectionDomain().getCodeSource().getLocation()
        .toURI());
    return jar.toAbsolutePath().getParent().getParent();
  }

  /**
   * Waits until a service matching {@code filter} is registered, or the deadline passes.
   *
   * @return the service, or null on timeout
   */
  private static Object await(BundleContext context, String filter, long deadline)
      throws InvalidSyntaxException, InterruptedException {
    ServiceTracker<Object, Object> tracker =
        new ServiceTracker<>(context, FrameworkUtil.createFilter(filter), null);
    // All services, whatever this class loader can see of their classes.
    tracker.open(true);
    try {
      long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      return tracker.waitForService(millis);
    } finally {
      // The service object stays usable: it belongs to its bundle, not to the tracker.
      tracker.close();
    }
  }

  /** What was not running, and where the log is. */
  private static String diagnosis(BundleContext context, Path home) {
    List<String> problems = new ArrayList<>();
    for (Bundle b : context.getBundles()) {
      boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
      if (b.getState() != Bundle.ACTIVE && !fragment) {
        problems.add("  " + b.getSymbolicName() + " " + b.getVersion() + " " + state(b));
      }
    }
    return (problems.isEmpty() ? "; all bundles are active"
        : "; bundles not active:\n" + String.join("\n", problems))
        + "\nsee " + home.resolve("log").resolve("jnvme.log");
  }

  private static String state(Bundle b) {
    return switch (b.getState()) {
      case Bundle.INSTALLED -> "INSTALLED (not resolved)";
      case Bundle.RESOLVED -> "RESOLVED (not started)";
      case Bundle.STARTING -> "STARTING";
      case Bundle.STOPPING -> "STOPPING";
      default -> "state " + b.getState();
    };
  }

  /** Runs the commands in one Gogo session and prints what they return. */
  private static int execute(Object processor, String commands, PrintStream stdout,
      PrintStream stderr) {
    Object session = null;
    try {
      ClassLoader gogo = processor.getClass().getClassLoader();
      Class<?> processorApi = Class.forName(COMMAND_PROCESSOR, false, gogo);
      Class<?> sessionApi = Class.forName(COMMAND_SESSION, false, gogo);
      Method create = processorApi.getMethod("createSession", InputStream.class,
          OutputStream.class, OutputStream.class);
      session = create.invoke(processor, InputStream.nullInputStream(), stdout, stderr);
      Method execute = sessionApi.getMethod("execute", CharSequence.class);
      Method format = sessionApi.getMethod("format", Object.class, int.class);
      // One statement at a time, so that the value of each is printed (Gogo would return only
      // the last one of "a; b") and the first failure stops the rest.
      for (String statement : statements(commands)) {
        Object result = execute.invoke(session, statement);
        if (result != null) {
          // Commands that return a value (Gogo builtins) get the shell's formatting; the nvme:
          // commands print and return nothing.
          stdout.println(format.invoke(session, result, 0 /* Converter.INSPECT */));
        }
      }
      return OK;
    } catch (InvocationTargetException e) {
      stderr.println("jnvme: " + describe(e.getCause()));
      if (System.getenv("JNVME_DEBUG") != null) {
        e.getCause().printStackTrace(stderr);
      }
      return COMMAND_FAILED;
    } catch (ReflectiveOperationException e) {
      stderr.println("jnvme: cannot use the Gogo command processor: " + e);
      return NOT_STARTED;
    } finally {
      if (session != null) {
        try {
          session.getClass().getMethod("close").invoke(session);
        } catch (ReflectiveOperationException | RuntimeException e) {
          // The session only held streams; the framework stops next.
        }
      }
      stdout.flush();
    }
  }

  /**
   * Splits a command line into Gogo statements at the {@code ;} and newlines that are outside
   * quotes, braces, brackets and parentheses, as Gogo's own parser would; a backslash escapes the
   * next character. Blank statements are dropped.
   */
  static List<String> statements(String commands) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int depth = 0;
    char quote = 0;
    for (int i = 0; i < commands.length(); i++) {
      char c = commands.charAt(i);
      if (c == '\\' && i + 1 < commands.length()) {
        current.append(c).append(commands.charAt(++i));
        continue;
      }
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '{' || c == '(' || c == '[') {
        depth++;
      } else if ((c == '}' || c == ')' || c == ']') && depth > 0) {
        depth--;
      } else if ((c == ';' || c == '\n') && depth == 0) {
        add(out, current);
        continue;
      }
      current.append(c);
    }
    add(out, current);
    return out;
  }

  private static void add(List<String> out, StringBuilder statement) {
    String s = statement.toString().strip();
    if (!s.isEmpty()) {
      out.add(s);
    }
    statement.setLength(0);
  }

  /** A failure as the user should see it: usage errors by message alone. */
  static String describe(Throwable t) {
    String message = t.getMessage();
    if (t instanceof IllegalArgumentException && message != null) {
      return message;
    }
    return t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private static void stop(Framework framework, PrintStream stderr) {
    if (framework == null) {
      return;
    }
    try {
      framework.stop();
      if (framework.waitForStop(30_000).getType() == FrameworkEvent.WAIT_TIMEDOUT) {
        stderr.println("jnvme: the platform did not stop within 30 s");
      }
    } catch (BundleException | RuntimeException e) {
      stderr.println("jnvme: stopping the platform: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | RuntimeException e) {
      // Leftover cache directories are harmless; the next run of this pid wipes its own.
    }
  }
}
