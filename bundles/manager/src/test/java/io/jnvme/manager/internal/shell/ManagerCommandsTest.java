package io.jnvme.manager.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.manager.ControllerManager;
import io.jnvme.manager.FakeConnector;
import io.jnvme.manager.naming.NamingPolicy;
import io.jnvme.manager.registry.OwnershipRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManagerCommandsTest {
  @TempDir Path state;
  private FakeConnector fake;
  private ControllerManager manager;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final Deque<String> answers = new ArrayDeque<>();
  private final List<String> prompts = new ArrayList<>();
  private boolean interactive;
  private ManagerCommands nvme;

  @BeforeEach
  void setUp() throws Exception {
    fake = new FakeConnector();
    manager = new ControllerManager(OwnershipRegistry.open(state), fake, NamingPolicy.DEFAULT);
    ManagerCommands.Terminal terminal = new ManagerCommands.Terminal() {
      @Override
      public boolean interactive() {
        return interactive;
      }

      @Override
      public String readLine(String prompt) {
        prompts.add(prompt);
        return answers.poll();
      }
    };
    nvme = new ManagerCommands(manager, terminal, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void ownedControllerSurvivesDisconnectAllYes() {
    // nvme:connect --transport emulated --owner orch-a; nvme:disconnect-all --yes; list
    assertEquals(0, nvme.connect("--transport", "emulated", "--owner", "orch-a"));
    assertEquals(0, nvme.connect("-t", "emulated"));
    assertEquals(0, nvme.disconnectAll("--yes"));
    assertEquals("device: nvme0\ndevice: nvme1\ndisconnected nvme1\n", out());
    out.reset();
    assertEquals(0, nvme.listSubsys("-o", "json"));
    String json = out();
    assertTrue(json.contains("\"Controllers\":[{\"Name\":\"nvme0\",\"Transport\":\"emulated\""),
        json);
    assertTrue(json.contains("\"Owner\":\"orch-a\""), json);
    assertTrue(json.contains("\"Namespaces\":[{\"Name\":\"nvme0n1\",\"Generic\":\"ng0n1\""), json);
    assertEquals(List.of("nvme0"), fake.open());
  }

  @Test
  void ownerAndForceTogetherAreAUsageError() {
    nvme.connect("-t", "emulated");
    assertEquals(ManagerCommands.USAGE,
        nvme.disconnectAll("--owner", "orch-a", "--force", "--yes"));
    assertTrue(err().contains("--owner and --force cannot be used together"), err());
    assertEquals(List.of("nvme0"), fake.open());
  }

  @Test
  void forceAsksOnATerminal() {
    nvme.connect("-t", "emulated", "--owner", "boot");
    interactive = true;
    answers.add("y");
    assertEquals(ManagerCommands.FAILED, nvme.disconnectAll("--force"));
    assertEquals(1, prompts.size());
    assertEquals(List.of("nvme0"), fake.open());

    answers.add("yes");
    assertEquals(ManagerCommands.OK, nvme.disconnectAll("--force"));
    assertEquals(List.of(), fake.open());
  }

  @Test
  void yesSkipsTheQuestionAndScriptsAreNotAsked() {
    nvme.connect("-t", "emulated", "--owner", "a");
    nvme.connect("-t", "emulated", "--owner", "b");
    interactive = true;
    assertEquals(ManagerCommands.OK, nvme.disconnectAll("--force", "--yes", "-t", "emulated"));
    assertEquals(List.of(), prompts);
    assertEquals(List.of(), fake.open());

    interactive = false;
    nvme.connect("-t", "emulated", "--owner", "a");
    assertEquals(ManagerCommands.OK, nvme.disconnectAll("--force"));
    assertEquals(List.of(), fake.open());
  }

  @Test
  void disconnectAllRefusesOnAnUnreadableRegistry() throws Exception {
    nvme.connect("-t", "emulated");
    Files.writeString(manager.registry().directory().resolve("1.entry"), "junk");
    assertEquals(ManagerCommands.FAILED, nvme.disconnectAll());
    assertTrue(err().contains("refused, nothing disconnected"), err());
    assertTrue(err().contains("1.entry"), err());
    assertEquals(List.of("nvme0"), fake.open());
  }

  @Test
  void registryCommands() throws Exception {
    nvme.connect("-t", "emulated", "--owner", "orch-a");
    nvme.connect("-t", "emulated");
    out.reset();
    assertEquals(0, nvme.registry("list"));
    assertTrue(out().contains("orch-a"), out());
    out.reset();
    assertEquals(0, nvme.registry("show", "nvme1"));
    assertTrue(out().startsWith("{\"Id\":2,\"Name\":\"nvme1\",\"Owner\":null"), out());

    assertEquals(0, nvme.registry("set-owner", "/dev/nvme1", "orch-b"));
    assertEquals("orch-b", manager.registry().get(2).orElseThrow().owner());
    assertEquals(0, nvme.registry("set-owner", "2", "-"));
    assertEquals(null, manager.registry().get(2).orElseThrow().owner());

    interactive = true;
    answers.add("n");
    assertEquals(ManagerCommands.FAILED, nvme.registry("delete", "nvme0"));
    assertTrue(manager.registry().get(1).isPresent());
    assertEquals(0, nvme.registry("delete", "nvme0", "--yes"));
    assertTrue(manager.registry().get(1).isEmpty());
    // Without its entry nvme0 counts as unowned.
    assertEquals(0, nvme.disconnectAll());
    assertEquals(List.of(), fake.open());

    assertEquals(ManagerCommands.USAGE, nvme.registry("show", "nvme7"));
    assertEquals(ManagerCommands.FAILED, nvme.registry("show", "7"));
    assertEquals(ManagerCommands.USAGE, nvme.registry("frobnicate"));
  }

  @Test
  void registryListReportsUnreadableEntries() throws Exception {
    nvme.connect("-t", "emulated");
    Files.writeString(manager.registry().directory().resolve("9.entry"), "junk");
    out.reset();
    assertEquals(ManagerCommands.FAILED, nvme.registry("list"));
    assertTrue(out().contains("9      UNREADABLE"), out());
    out.reset();
    nvme.registry("list", "-o", "json");
    assertTrue(out().contains("\"Unreadable\":[{\"Id\":9"), out());
  }

  @Test
  void ambiguousNamesNeedAnId() throws Exception {
    manager.registry().create("nvme5", null, "emulated", "other-jvm-a");
    manager.registry().create("nvme5", null, "emulated", "other-jvm-b");
    assertEquals(ManagerCommands.USAGE, nvme.registry("delete", "nvme5"));
    assertTrue(err().contains("use an id: 1, 2"), err());
  }

  @Test
  void usageErrors() {
    assertEquals(ManagerCommands.USAGE, nvme.connect("--owner", "x"));
    assertEquals(ManagerCommands.USAGE, nvme.connect("-t", "emulated", "--bogus"));
    assertEquals(ManagerCommands.USAGE, nvme.connect("-t", "emulated", "--option", "novalue"));
    assertEquals(ManagerCommands.USAGE, nvme.connect("-t"));
    assertEquals(ManagerCommands.USAGE, nvme.disconnect());
    assertEquals(ManagerCommands.USAGE, nvme.disconnectAll("extra"));
    assertEquals(ManagerCommands.USAGE, nvme.listSubsys("-o", "xml"));
    assertEquals(ManagerCommands.FAILED, nvme.disconnect("nvme3"));
    assertEquals(ManagerCommands.FAILED,
        nvme.connect("-t", "emulated", "--option", "fail=true"));
  }
}
