package dev.drover.pipeline.definition;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.drover.pipeline.definition.YamlNode.Entry;
import dev.drover.pipeline.definition.YamlNode.Kind;
import dev.drover.pipeline.definition.YamlNode.Location;
import dev.drover.pipeline.definition.YamlNode.Mapping;
import dev.drover.pipeline.definition.YamlNode.Scalar;
import dev.drover.pipeline.definition.YamlNode.Sequence;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads one YAML file into a {@link YamlNode} tree with Jackson's streaming YAML parser, keeping
 * the line and column of every key and value, which a data-binding tree would drop.
 *
 * <p>It does the YAML work prunner's decoder does: aliases ({@code *name}) resolve to the mapping
 * or list anchored as {@code &name} above them, and merge keys ({@code <<: *defaults}) copy the
 * entries that the mapping does not set itself. Jackson does not report anchors on single values,
 * so an alias of one is reported as unknown. Unlike prunner's decoder, which keeps the last of two
 * equal keys and ignores documents after the first, both are problems here: each hides text that
 * the file's author meant to count.
 */
final class YamlReader {

  private static final YAMLFactory FACTORY = new YAMLFactory();
  private static final String MERGE_KEY = "<<";

  private final Path file;
  private final List<DefinitionProblem> problems;
  private final YAMLParser parser;
  private final Map<String, YamlNode> anchors = new HashMap<>();

  private YamlReader(Path file, List<DefinitionProblem> problems, YAMLParser parser) {
    this.file = file;
    this.problems = problems;
    this.parser = parser;
  }

  /**
   * The document in {@code file}, or empty when the file cannot be read or is not YAML (the
   * reason is added to {@code problems}). An empty file reads as a null scalar at 1:1.
   */
  static Optional<YamlNode> read(Path file, List<DefinitionProblem> problems) {
    if (Files.isDirectory(file)) {
      problems.add(DefinitionProblem.ofFile(file, "is a directory, not a pipelines file"));
      return Optional.empty();
    }
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        YAMLParser parser = FACTORY.createParser(reader)) {
      return Optional.of(new YamlReader(file, problems, parser).document());
    } catch (NoSuchFileException e) {
      problems.add(DefinitionProblem.ofFile(file, "no such file"));
    } catch (AccessDeniedException e) {
      problems.add(DefinitionProblem.ofFile(file, "cannot read the file: permission denied"));
    } catch (JsonProcessingException e) {
      problems.add(notYaml(file, e));
    } catch (IOException e) {
      problems.add(DefinitionProblem.ofFile(file, isUndecodable(e)
          ? "not a UTF-8 text file" : "cannot read the file: " + e.getMessage()));
    }
    return Optional.empty();
  }

  private YamlNode document() throws IOException {
    JsonToken first = parser.nextToken();
    if (first == null) {
      return new Scalar(new Location(1, 1), Kind.NULL, "", null);
    }
    YamlNode root = node(first);
    if (parser.nextToken() != null) {
      // prunner's decoder reads the first document only; say so rather than drop the rest
      problems.add(problem(location(), "only one YAML document is allowed per file; "
          + "this one would be ignored"));
    }
    return root;
  }

  private YamlNode node(JsonToken token) throws IOException {
    Location at = location();
    switch (token) {
      case START_OBJECT:
        return anchored(parser.getObjectId(), mapping(at));
      case START_ARRAY:
        return anchored(parser.getObjectId(), sequence(at));
      case VALUE_STRING:
        if (parser.isCurrentAlias()) {
          return alias(at, parser.getText());
        }
        return new Scalar(at, Kind.STRING, parser.getText(), parser.getText());
      case VALUE_NUMBER_INT:
        return new Scalar(at, Kind.INTEGER, parser.getText(), parser.getBigIntegerValue());
      case VALUE_NUMBER_FLOAT:
        return new Scalar(at, Kind.FLOAT, parser.getText(), parser.getDoubleValue());
      case VALUE_TRUE:
        return new Scalar(at, Kind.BOOLEAN, parser.getText(), Boolean.TRUE);
      case VALUE_FALSE:
        return new Scalar(at, Kind.BOOLEAN, parser.getText(), Boolean.FALSE);
      case VALUE_NULL:
        return new Scalar(at, Kind.NULL, parser.getText(), null);
      case VALUE_EMBEDDED_OBJECT:
        // what Jackson makes of a !!binary value; no setting of a pipeline is binary
        problems.add(problem(at, "binary data (!!binary) is not a valid value here"));
        return new Scalar(at, Kind.NULL, "", null);
      default:
        // Jackson's YAML parser emits no other token where a value starts
        throw new IllegalStateException("unexpected " + token + " at " + at);
    }
  }

  private YamlNode anchored(String anchor, YamlNode node) {
    if (anchor != null) {
      anchors.put(anchor, node);
    }
    return node;
  }

  private YamlNode alias(Location at, String name) {
    YamlNode target = anchors.get(name);
    if (target == null) {
      problems.add(problem(at, "unknown alias *" + name + " (an alias must follow its &" + name
          + " anchor, which must be on a mapping or a list)"));
      return new Scalar(at, Kind.NULL, "", null);
    }
    return target;
  }

  private Mapping mapping(Location at) throws IOException {
    // explicit keys win over merged ones wherever they are written, as YAML's merge key says
    Map<String, Entry> explicit = new LinkedHashMap<>();
    List<Object> order = new ArrayList<>();
    JsonToken token;
    while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      Location keyAt = location();
      YamlNode value = node(parser.nextToken());
      if (key.equals(MERGE_KEY)) {
        order.add(merged(keyAt, value));
      } else if (explicit.containsKey(key)) {
        Location first = explicit.get(key).keyAt();
        problems.add(problem(keyAt, "duplicate key \"" + key + "\" (first at line "
            + first.line() + ", column " + first.column() + ")"));
      } else {
        Entry entry = new Entry(key, keyAt, value);
        explicit.put(key, entry);
        order.add(entry);
      }
    }
    List<Entry> entries = new ArrayList<>();
    Set<String> mergedKeys = new HashSet<>();
    for (Object item : order) {
      if (item instanceof Entry entry) {
        entries.add(entry);
      } else {
        for (Entry entry : ((Merge) item).entries()) {
          if (!explicit.containsKey(entry.key()) && mergedKeys.add(entry.key())) {
            entries.add(entry);
          }
        }
      }
    }
    return new Mapping(at, entries);
  }

  /** The entries a merge key brings in, in the place of the key. */
  private record Merge(List<Entry> entries) {}

  /** The entries a merge key brings in; of several mappings, the first to set a key wins. */
  private Merge merged(Location keyAt, YamlNode value) {
    List<Entry> entries = new ArrayList<>();
    if (value instanceof Mapping m) {
      entries.addAll(m.entries());
    } else if (value instanceof Sequence s
        && s.items().stream().allMatch(item -> item instanceof Mapping)) {
      s.items().forEach(item -> entries.addAll(((Mapping) item).entries()));
    } else {
      problems.add(problem(keyAt, "the merge key << needs a mapping or a list of mappings, got "
          + YamlNode.describe(value)));
    }
    return new Merge(entries);
  }

  private Sequence sequence(Location at) throws IOException {
    List<YamlNode> items = new ArrayList<>();
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
      items.add(node(token));
    }
    return new Sequence(at, items);
  }

  private Location location() {
    JsonLocation l = parser.currentTokenLocation();
    return new Location(Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
  }

  private DefinitionProblem problem(Location at, String message) {
    return new DefinitionProblem(file, at.line(), at.column(), message);
  }

  private static DefinitionProblem notYaml(Path file, JsonProcessingException e) {
    if (isUndecodable(e)) {
      return DefinitionProblem.ofFile(file, "not a UTF-8 text file");
    }
    JsonLocation l = e.getLocation();
    int line = l == null ? 1 : Math.max(1, l.getLineNr());
    int column = l == null ? 1 : Math.max(1, l.getColumnNr());
    String message;
    // Jackson's YAML exceptions wrap SnakeYAML's, which say what was expected where
    if (e.getCause() instanceof MarkedYAMLException marked) {
      message = marked.getProblem() + context(marked);
    } else if (e.getOriginalMessage().startsWith("Expected a field name")) {
      message = "a mapping key must be a single value, not a list or a mapping";
    } else {
      message = e.getOriginalMessage().lines().findFirst().orElse("unreadable");
    }
    return new DefinitionProblem(file, line, column, "invalid YAML: " + message);
  }

  /** SnakeYAML's "while parsing X" with where X started, when that is not where it failed. */
  private static String context(MarkedYAMLException e) {
    Mark contextMark = e.getContextMark();
    Mark problemMark = e.getProblemMark();
    if (e.getContext() == null || contextMark == null
        || (problemMark != null && problemMark.getIndex() == contextMark.getIndex())) {
      return "";
    }
    // SnakeYAML's marks count from 0
    return " (" + e.getContext() + " that started at line " + (contextMark.getLine() + 1)
        + ", column " + (contextMark.getColumn() + 1) + ")";
  }

  private static boolean isUndecodable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CharacterCodingException) {
        return true;
      }
    }
    return false;
  }
}
