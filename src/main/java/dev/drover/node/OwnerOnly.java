package dev.drover.node;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files and directories only their owner can read: what Drover writes (journal, job logs,
 * worker logs, secrets) is about other people's jobs and may hold their variables, so other
 * users of the host get no access, whatever the umask. Directories are 0700, files 0600; on a
 * file system without POSIX permissions this does nothing.
 */
public final class OwnerOnly {
  private static final Logger log = LoggerFactory.getLogger(OwnerOnly.class);
  private static final Set<PosixFilePermission> DIRECTORY =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private OwnerOnly() {}

  /**
   * Creates {@code dir} and its missing parents as 0700 directories, or makes an existing
   * {@code dir} 0700 (saying so when it was open to others).
   */
  public static Path directory(Path dir) {
    try {
      if (!posix(dir)) {
        return Files.createDirectories(dir);
      }
      if (Files.isDirectory(dir)) {
        restrict(dir, DIRECTORY);
        return dir;
      }
      Path parent = dir.toAbsolutePath().getParent();
      if (parent != null && !Files.isDirectory(parent)) {
        directory(parent);
      }
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
      } catch (FileAlreadyExistsException raced) {
        restrict(dir, DIRECTORY);
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create directory " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens {@code file} for writing with {@code options}, creating it as a 0600 file (and its
   * directory as 0700) when missing.
   */
  public static OutputStream open(Path file, OpenOption... options) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      directory(parent);
    }
    if (posix(file) && Files.notExists(file, LinkOption.NOFOLLOW_LINKS)) {
      try {
        Files.createFile(file, attribute());
      } catch (FileAlreadyExistsException raced) {
        // another writer created it, as private as this one would have
      }
    }
    return Files.newOutputStream(file, options);
  }

  /** The attributes that create {@code file} as 0600; none on a file system without them. */
  public static FileAttribute<?>[] fileAttributes(Path file) {
    return posix(file) ? new FileAttribute<?>[] {attribute()} : new FileAttribute<?>[0];
  }

  /**
   * Makes every directory under {@code root} (itself included) 0700 and every file 0600, for
   * what a library created with the umask's permissions (the H2 journal). Symbolic links are not
   * followed.
   */
  public static void tighten(Path root) {
    if (!Files.exists(root) || !posix(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.toList()) {
        if (Files.isSymbolicLink(p)) {
          continue;
        }
        restrict(p, Files.isDirectory(p) ? DIRECTORY : FILE);
      }
    } catch (IOException | UncheckedIOException e) {
      // a file removed during the walk (a log rotated, a job retained away) is no problem
      log.debug("Could not make everything under {} private: {}", root, e.toString());
    }
  }

  private static void restrict(Path p, Set<PosixFilePermission> wanted) throws IOException {
    Set<PosixFilePermission> now = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
    if (!now.equals(wanted)) {
      Files.setPosixFilePermissions(p, wanted);
      if (now.stream().anyMatch(OwnerOnly::forOthers)) {
        log.info("{} was {}; made it {}", p, PosixFilePermissions.toString(now),
            PosixFilePermissions.toString(wanted));
      }
    }
  }

  private static boolean forOthers(PosixFilePermission p) {
    return p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE
        && p != PosixFilePermission.OWNER_EXECUTE;
  }

  private static FileAttribute<Set<PosixFilePermission>> attribute() {
    return PosixFilePermissions.asFileAttribute(FILE);
  }

  private static boolean posix(Path p) {
    return p.toAbsolutePath().getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
