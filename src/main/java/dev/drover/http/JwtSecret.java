package dev.drover.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared secret that HS256 tokens of the HTTP API are signed with.
 *
 * <p>Resolved like prunner resolves its own, so an application that embeds Drover in place of
 * prunner reads the secret the same way: the {@code --jwt-secret} option, else the file named by
 * {@code --jwt-secret-file} (Drover's; its content, without the line break that ends it), else the
 * environment variable {@value #ENV} (or prunner's {@value #PRUNNER_ENV}), else the key {@value
 * #KEY} of the config file ({@code .drover.yml} by default, else prunner's {@code .prunner.yml}
 * when only that one exists), which is created with a random secret, readable by its owner only,
 * when missing. The option is the one way not recommended: every user of the host sees a command
 * line, so using it logs a warning.
 *
 * <p>A secret has at least {@value #MIN_LENGTH} characters, as prunner requires, so that the
 * secret a prunner installation shares with its clients keeps working; one shorter than {@value
 * #RECOMMENDED_LENGTH} (the 256 bits RFC 7518 asks of an HS256 key) logs a warning. Drover's own
 * secrets have 48. Its value never appears in {@link #toString()}.
 */
public final class JwtSecret {
  /** The shortest secret accepted: prunner's. */
  public static final int MIN_LENGTH = 16;
  /** The shortest secret accepted without a warning: 256 bits, as RFC 7518 asks for HS256. */
  public static final int RECOMMENDED_LENGTH = 32;
  /** The environment variable that holds the secret. */
  public static final String ENV = "DROVER_JWT_SECRET";
  /** prunner's environment variable of the secret, read when {@value #ENV} is not set. */
  public static final String PRUNNER_ENV = "PRUNNER_JWT_SECRET";
  /** prunner's config file, read when it exists and {@link #DEFAULT_CONFIG_FILE} does not. */
  public static final Path PRUNNER_CONFIG_FILE = Path.of(".prunner.yml");
  /** The key of the secret in the config file. */
  public static final String KEY = "jwt_secret";
  /** The config file used when none is named. */
  public static final Path DEFAULT_CONFIG_FILE = Path.of(".drover.yml");

  private static final Logger log = LoggerFactory.getLogger(JwtSecret.class);
  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final int GENERATED_LENGTH = 48;
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private final String value;
  private final String source;

  private JwtSecret(String value, String source) {
    this.value = value;
    this.source = source;
  }

  /**
   * A secret given directly, e.g. by a test or an embedding application.
   *
   * @throws Invalid when it is shorter than {@value #MIN_LENGTH} characters
   */
  public static JwtSecret of(String value) {
    return checked(value, "the given secret");
  }

  /**
   * Resolves the secret from the option, the environment or the config file, in that order.
   *
   * @param option the {@code --jwt-secret} value, or null when not given
   * @param configFile the config file, or null for {@link #DEFAULT_CONFIG_FILE}
   * @throws Invalid when the secret found is too short or the config file cannot be used
   */
  public static JwtSecret resolve(String option, Path configFile) {
    return resolve(option, null, configFile, System::getenv);
  }

  /**
   * Resolves the secret from the option, the secret file, the environment or the config file, in
   * that order.
   *
   * @param option the {@code --jwt-secret} value, or null when not given
   * @param secretFile the {@code --jwt-secret-file} value, or null when not given
   * @param configFile the config file, or null for {@link #DEFAULT_CONFIG_FILE}
   * @throws Invalid when the secret found is too short or its file cannot be used
   */
  public static JwtSecret resolve(String option, Path secretFile, Path configFile) {
    return resolve(option, secretFile, configFile, System::getenv);
  }

  /** {@link #resolve(String, Path)} with the environment given, for tests. */
  static JwtSecret resolve(String option, Path configFile, Function<String, String> env) {
    return resolve(option, null, configFile, env);
  }

  /** {@link #resolve(String, Path, Path)} with the environment given, for tests. */
  static JwtSecret resolve(String option, Path secretFile, Path configFile,
      Function<String, String> env) {
    if (option != null && !option.isEmpty()) {
      log.warn("The JWT secret is given with --jwt-secret, which every user of this host can read "
          + "in the process list; prefer --jwt-secret-file, {} or the config file", ENV);
      return checked(option, "--jwt-secret");
    }
    if (secretFile != null) {
      return fromSecretFile(secretFile);
    }
    for (String name : new String[] {ENV, PRUNNER_ENV}) {
      String fromEnv = env.apply(name);
      if (fromEnv != null && !fromEnv.isEmpty()) {
        return checked(fromEnv, "environment variable " + name);
      }
    }
    return fromFile(configFile != null ? configFile : defaultConfigFile());
  }

  /** {@code .drover.yml}, or prunner's {@code .prunner.yml} when only that one exists. */
  static Path defaultConfigFile() {
    return Files.notExists(DEFAULT_CONFIG_FILE) && Files.exists(PRUNNER_CONFIG_FILE)
        ? PRUNNER_CONFIG_FILE : DEFAULT_CONFIG_FILE;
  }

  /** The secret as the key of HMAC-SHA256: its UTF-8 bytes, as prunner uses them. */
  public byte[] bytes() {
    return value.getBytes(StandardCharsets.UTF_8);
  }

  /** Whether the key has the 256 bits RFC 7518 asks of an HS256 key. */
  boolean strong() {
    return bytes().length >= RECOMMENDED_LENGTH;
  }

  /** Where the secret came from, for logs, e.g. {@code config file .drover.yml}. */
  public String source() {
    return source;
  }

  @Override
  public String toString() {
    return "JwtSecret[from " + source + "]";
  }

  private static JwtSecret checked(String value, String source) {
    if (value == null || value.length() < MIN_LENGTH) {
      throw new Invalid("the JWT secret from " + source + " must be at least " + MIN_LENGTH
          + " characters long, it has " + (value == null ? 0 : value.length())
          + "; better " + RECOMMENDED_LENGTH + " or more, HS256's 256-bit key (e.g. `openssl rand "
          + "-hex 32` prints a good one)");
    }
    JwtSecret secret = new JwtSecret(value, source);
    if (!secret.strong()) {
      log.warn("The JWT secret from {} has {} characters: prunner accepts that, but HS256 wants "
          + "{} or more (a 256-bit key); replace it when you can (`openssl rand -hex 32`)", source,
          value.length(), RECOMMENDED_LENGTH);
    }
    return secret;
  }

  private static JwtSecret fromSecretFile(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new Invalid("cannot read the JWT secret from --jwt-secret-file " + file + ": "
          + e.getMessage());
    }
    warnIfOthersCanRead(file);
    // `echo secret > file` ends it with a line break, which is no part of the secret
    return checked(text.replaceFirst("\\r?\\n\\z", ""), "secret file " + file);
  }

  private static JwtSecret fromFile(Path file) {
    String source = "config file " + file;
    if (Files.notExists(file)) {
      try {
        return create(file, source);
      } catch (FileAlreadyExistsException raced) {
        // another process created it between our check and our create: use theirs
      } catch (IOException e) {
        throw new Invalid("cannot create " + source + " for a new JWT secret: " + e);
      }
    }
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new Invalid("cannot read the JWT secret from " + source + ": " + e.getMessage());
    }
    JsonNode secret = root == null ? null : root.get(KEY);
    if (secret == null || !secret.isTextual()) {
      throw new Invalid(source + " has no text value for key '" + KEY + "'; add one, or delete "
          + "the file to have a new secret generated");
    }
    warnIfOthersCanRead(file);
    return checked(secret.asText(), source);
  }

  private static JwtSecret create(Path file, String source) throws IOException {
    String secret = random();
    String yaml = "# Drover: anyone who can read this secret can call the HTTP API; keep the file "
        + "private.\n" + KEY + ": " + secret + "\n";
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    // created with owner-only permissions in one step, so the secret is never readable by others
    EnumSet<StandardOpenOption> options =
        EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    FileAttribute<?>[] attributes = posix(file)
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
        : new FileAttribute<?>[0];
    try (SeekableByteChannel channel = Files.newByteChannel(file, options, attributes)) {
      channel.write(ByteBuffer.wrap(yaml.getBytes(StandardCharsets.UTF_8)));
    }
    log.info("Created {} with a new random JWT secret", file);
    return new JwtSecret(secret, source + " (created)");
  }

  private static boolean posix(Path file) {
    Path dir = file.toAbsolutePath().getParent();
    return dir != null && dir.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static void warnIfOthersCanRead(Path file) {
    try {
      if (posix(file)) {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (perms.contains(PosixFilePermission.OTHERS_READ)
            || perms.contains(PosixFilePermission.GROUP_READ)) {
          log.warn("{} holds the JWT secret but is readable by others ({}); chmod 600 it", file,
              PosixFilePermissions.toString(perms));
        }
      }
    } catch (IOException | UnsupportedOperationException e) {
      // only a warning depends on it: the secret itself was read
      log.debug("Cannot read the permissions of {}", file, e);
    }
  }

  private static String random() {
    SecureRandom random = new SecureRandom();
    StringBuilder s = new StringBuilder(GENERATED_LENGTH);
    for (int i = 0; i < GENERATED_LENGTH; i++) {
      s.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return s.toString();
  }

  /** The secret cannot be used; the message says why and what to do. */
  public static final class Invalid extends RuntimeException {
    public Invalid(String message) {
      super(message);
    }
  }
}
