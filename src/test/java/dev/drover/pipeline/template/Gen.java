package dev.drover.pipeline.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A generator of random test samples, drawn from a seeded {@link Random}: the same seed gives the
 * same samples, so a failure is replayed from the seed it prints. The few combinators the shell
 * grammar needs, and nothing more.
 */
@FunctionalInterface
interface Gen<T> {

  T sample(Random random);

  default <R> Gen<R> map(Function<? super T, ? extends R> f) {
    return random -> f.apply(sample(random));
  }

  /** Draws again until a sample passes; the generators filter out rare shapes only. */
  default Gen<T> filter(Predicate<? super T> keep) {
    return random -> {
      for (int tries = 0; tries < 10_000; tries++) {
        T t = sample(random);
        if (keep.test(t)) {
          return t;
        }
      }
      throw new IllegalStateException("a filter refused 10,000 samples in a row");
    };
  }

  /** Lists of {@code min} to {@code max} samples, sizes evenly drawn. */
  default Gen<List<T>> list(int min, int max) {
    return random -> {
      int size = min + random.nextInt(max - min + 1);
      List<T> list = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        list.add(sample(random));
      }
      return List.copyOf(list);
    };
  }

  static <T> Gen<T> just(T value) {
    return random -> value;
  }

  @SafeVarargs
  static <T> Gen<T> of(T... values) {
    List<T> all = List.of(values);
    return random -> all.get(random.nextInt(all.size()));
  }

  @SafeVarargs
  static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
    List<Gen<? extends T>> all = List.of(gens);
    return random -> all.get(random.nextInt(all.size())).sample(random);
  }

  /** A weighted choice; a weight of 0 leaves its generator out. */
  static <T> Gen<T> frequency(List<Weighted<T>> choices) {
    int total = choices.stream().mapToInt(Weighted::weight).sum();
    return random -> {
      int pick = random.nextInt(total);
      for (Weighted<T> choice : choices) {
        pick -= choice.weight();
        if (pick < 0) {
          return choice.gen().sample(random);
        }
      }
      throw new AssertionError("weights changed while drawing");
    };
  }

  static Gen<Boolean> bool() {
    return Random::nextBoolean;
  }

  /** One choice of {@link #frequency}. */
  record Weighted<T>(int weight, Gen<? extends T> gen) {}
}
