package io.jnvme.driver.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void writesScalars() {
    assertEquals("null", Json.write(null));
    assertEquals("true", Json.write(true));
    assertEquals("42", Json.write(42));
    assertEquals("-7", Json.write(-7L));
    assertEquals("18446744073709551615", Json.write(new BigInteger("18446744073709551615")));
    assertEquals("1.5", Json.write(1.5));
    assertEquals("\"nvme0n1\"", Json.write("nvme0n1"));
    assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
  }

  @Test
  void escapesStrings() {
    assertEquals("\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\u00e9\"", Json.write("a\"b\\c\n\t\u0001\u007f\u00e9"));
    String nasty = "q\"\\/\r\n\b\f\u0000\u001f end";
    assertEquals(nasty, JsonParser.parse(Json.write(nasty)));
  }

  @Test
  void writesNestedStructuresInOrderWithIndentation() {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("NSID", 1);
    inner.put("Owner", null);
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("z", List.of());
    root.put("a", new LinkedHashMap<>());
    root.put("list", List.of(inner, 2));
    String expected = String.join("\n",
        "{",
        "  \"z\": [],",
        "  \"a\": {},",
        "  \"list\": [",
        "    {",
        "      \"NSID\": 1,",
        "      \"Owner\": null",
        "    },",
        "    2",
        "  ]",
        "}");
    assertEquals(expected, Json.write(root));
    assertEquals(root.keySet(), ((Map<?, ?>) JsonParser.parse(expected)).keySet());
  }

  @Test
  void roundTripsThroughAStrictParser() {
    List<Object> values = new ArrayList<>(Arrays.asList("x", 1L, true, null));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("values", values);
    m.put("empty", "");
    assertEquals(m, JsonParser.parse(Json.write(m)));
  }
}
