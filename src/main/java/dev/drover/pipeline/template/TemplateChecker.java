package dev.drover.pipeline.template;

import dev.drover.pipeline.template.ShellScanner.Placement;
import dev.drover.pipeline.template.ShellScanner.Slot;
import dev.drover.pipeline.template.TemplateNode.Action;
import dev.drover.pipeline.template.TemplateNode.Break;
import dev.drover.pipeline.template.TemplateNode.Continue;
import dev.drover.pipeline.template.TemplateNode.If;
import dev.drover.pipeline.template.TemplateNode.Range;
import dev.drover.pipeline.template.TemplateNode.Text;
import dev.drover.pipeline.template.TemplateNode.With;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks, without any values, that every printing action of a template stands where the shell
 * quoting can make its value data, along every path the control flow can take: both sides of
 * each {@code if} and {@code with}, and a {@code range} body run any number of times. It follows
 * the set of shell states the text so far can leave (as {@link ShellScanner}s, equal ones
 * merged) and puts a stand-in value at each action, so a template that passes can fail at run
 * time only for what a value holds.
 */
final class TemplateChecker {

  /** More distinct states than any sane script line leaves. */
  private static final int MAX_STATES = 64;
  /** A value no here-document marker is made of, for the stand-in at each action. */
  private static final String STAND_IN = "\u0001";

  /** The states that leave a range's body early, per range being walked. */
  private final Deque<Loop> loops = new ArrayDeque<>();

  private static final class Loop {
    final Map<Object, ShellScanner> breaks = new LinkedHashMap<>();
    final Map<Object, ShellScanner> continues = new LinkedHashMap<>();
  }

  private TemplateChecker() {}

  /**
   * @throws UnsafePlaceholder for the first action whose value cannot be quoted on some path
   */
  static void check(List<TemplateNode> nodes) {
    Map<Object, ShellScanner> start = new LinkedHashMap<>();
    ShellScanner scanner = new ShellScanner();
    start.put(scanner.stateKey(), scanner);
    for (ShellScanner end : new TemplateChecker().walk(nodes, start).values()) {
      end.finish();
    }
  }

  private Map<Object, ShellScanner> walk(List<TemplateNode> nodes, Map<Object, ShellScanner> in) {
    Map<Object, ShellScanner> states = in;
    for (TemplateNode node : nodes) {
      if (states.isEmpty()) {
        return states;
      }
      if (node instanceof Text text) {
        states = each(states, s -> s.literal(text.text()));
      } else if (node instanceof Action action) {
        if (action.prints()) {
          states = each(states, s -> standIn(s, action));
        }
      } else if (node instanceof If branch) {
        states = union(walk(branch.then(), copies(states)), walk(branch.otherwise(),
            copies(states)), branch.condition().source(), branch.condition().offset());
      } else if (node instanceof With with) {
        states = union(walk(with.body(), copies(states)), walk(with.otherwise(),
            copies(states)), with.value().source(), with.value().offset());
      } else if (node instanceof Range range) {
        states = range(range, states);
      } else if (node instanceof Break) {
        loops.peek().breaks.putAll(states);
        return new LinkedHashMap<>();
      } else if (node instanceof Continue) {
        loops.peek().continues.putAll(states);
        return new LinkedHashMap<>();
      }
    }
    return states;
  }

  /** The states after a range: its body run 0, 1, 2 ... times until no new state appears. */
  private Map<Object, ShellScanner> range(Range range, Map<Object, ShellScanner> states) {
    Loop loop = new Loop();
    loops.push(loop);
    try {
      Map<Object, ShellScanner> seen = new LinkedHashMap<>(copies(states));
      Map<Object, ShellScanner> frontier = copies(states);
      while (!frontier.isEmpty()) {
        Map<Object, ShellScanner> after = walk(range.body(), frontier);
        after.putAll(loop.continues);
        loop.continues.clear();
        frontier = new LinkedHashMap<>();
        for (Map.Entry<Object, ShellScanner> e : after.entrySet()) {
          if (!seen.containsKey(e.getKey())) {
            seen.put(e.getKey(), e.getValue().copy());
            frontier.put(e.getKey(), e.getValue());
          }
        }
        tooMany(seen.size(), range.value().source(), range.value().offset());
      }
      Map<Object, ShellScanner> out = new LinkedHashMap<>(seen);
      out.putAll(loop.breaks);
      out.putAll(walk(range.otherwise(), copies(states)));
      tooMany(out.size(), range.value().source(), range.value().offset());
      return out;
    } finally {
      loops.pop();
    }
  }

  private static void standIn(ShellScanner scanner, Action action) {
    Placement placement = scanner.placement();
    String source = action.pipeline().source();
    int offset = action.pipeline().offset();
    if (placement.refusal() != null) {
      throw new UnsafePlaceholder(source, placement.refusal(), offset);
    }
    scanner.value(ShellQuoting.quote(STAND_IN, placement), new Slot(source, offset));
  }

  private interface Step {
    void apply(ShellScanner scanner);
  }

  private static Map<Object, ShellScanner> each(Map<Object, ShellScanner> states, Step step) {
    Map<Object, ShellScanner> out = new LinkedHashMap<>();
    for (ShellScanner s : states.values()) {
      step.apply(s);
      out.putIfAbsent(s.stateKey(), s);
    }
    return out;
  }

  private static Map<Object, ShellScanner> copies(Map<Object, ShellScanner> states) {
    Map<Object, ShellScanner> out = new LinkedHashMap<>();
    states.forEach((k, s) -> out.put(k, s.copy()));
    return out;
  }

  private static Map<Object, ShellScanner> union(
      Map<Object, ShellScanner> a, Map<Object, ShellScanner> b, String source, int offset) {
    Map<Object, ShellScanner> out = new LinkedHashMap<>(a);
    b.forEach(out::putIfAbsent);
    tooMany(out.size(), source, offset);
    return out;
  }

  private static void tooMany(int states, String source, int offset) {
    if (states > MAX_STATES) {
      throw new UnsafePlaceholder(source, "its branches leave the shell in more than "
          + MAX_STATES + " different states, too many to check; keep quotes and here-documents"
          + " inside each branch", offset);
    }
  }
}
